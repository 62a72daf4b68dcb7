// Tests talk to a real PostgreSQL: DATABASE_URL when set (.ci/run starts one), otherwise the global setup starts a
// throw-away cluster (tools/postgres/start.sh) and the teardown stops it. SQLite files go under tmp/.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'monitoring',
  rootDir: __dirname,
  globalSetup: '<rootDir>/src/testing/global-setup.js',
  globalTeardown: '<rootDir>/src/testing/global-teardown.js',
};
