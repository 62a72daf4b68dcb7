// Shared Jest settings: ts-jest, the tsconfig path aliases, and a reporter that records
// each project's counts so `.ci/run` can print one "N passed, N failed" line for all suites.
const path = require('node:path');
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.base.json');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { tsconfig: path.join(__dirname, 'tsconfig.spec.json'), diagnostics: { warnOnly: false } },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json', 'node'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: __dirname + '/' }),
  testMatch: ['**/?(*.)+(spec|test).ts'],
  reporters: ['default', path.join(__dirname, 'tools/jest/count-reporter.js')],
  testTimeout: 120000,
};
