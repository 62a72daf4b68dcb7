// Tests talk to a real MLflow server: MLFLOW_TRACKING_URI when set (.ci/run starts one), otherwise the global
// setup starts a throw-away server on a free port (tools/mlflow/.venv) and the teardown stops it.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'tracking',
  rootDir: __dirname,
  globalSetup: '<rootDir>/src/testing/global-setup.ts',
  globalTeardown: '<rootDir>/src/testing/global-teardown.ts',
};
