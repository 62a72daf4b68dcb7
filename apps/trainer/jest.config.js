// trainer monitor's tests read a real prediction log, PostgreSQL included: DATABASE_URL, or a throw-away cluster
// started by the global setup (tools/postgres/start.sh) and stopped by the teardown.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'trainer',
  rootDir: __dirname,
  globalSetup: '<rootDir>/../../libs/monitoring/src/testing/global-setup.js',
  globalTeardown: '<rootDir>/../../libs/monitoring/src/testing/global-teardown.js',
};
