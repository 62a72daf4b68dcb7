const path = require('node:path');
const preset = require('../../jest.preset.js');

// fastify's inject() loads light-my-request, which requires `cookie` 2.x — an ES module. Node 20.19+ can require()
// it, Jest cannot, so that one package is compiled to CommonJS by ts-jest (allowJs) instead of being skipped.
module.exports = {
  ...preset,
  displayName: 'api',
  rootDir: __dirname,
  transform: {
    ...preset.transform,
    '/node_modules/cookie/.+\\.js$': [
      'ts-jest',
      { tsconfig: path.join(__dirname, 'tsconfig.esm-deps.json'), diagnostics: false },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!cookie/)'],
  // The real-MLflow test trains a model and starts a server; keep suites sequential on the 2-core machine.
  maxWorkers: 1,
  // The prediction log's tests need a real PostgreSQL: DATABASE_URL, or a throw-away cluster (tools/postgres).
  globalSetup: '<rootDir>/../../libs/monitoring/src/testing/global-setup.js',
  globalTeardown: '<rootDir>/../../libs/monitoring/src/testing/global-teardown.js',
};
