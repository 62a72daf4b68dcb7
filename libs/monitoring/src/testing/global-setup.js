// Jest global setup: tests run against a real PostgreSQL. DATABASE_URL when set (.ci/run starts one); otherwise a
// throw-away cluster under tmp/postgres-tests-<pid> (tools/postgres/start.sh), stopped and removed by the teardown:
// one per jest process, so projects run in parallel (nx run-many --parallel) never start the same cluster twice.
// Workers inherit the variable. Plain JS: it runs before ts-jest's transform is in place for the workers.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async function globalSetup() {
  if (process.env.DATABASE_URL) return;
  const root = path.resolve(__dirname, '../../../..');
  const cluster = path.join(root, 'tmp', `postgres-tests-${process.pid}`);
  const out = execFileSync(path.join(root, 'tools/postgres/start.sh'), ['--port', '0'], {
    env: { ...process.env, PG_CLUSTER_DIR: cluster },
    encoding: 'utf8',
  });
  process.env.DATABASE_URL = out.trim().split('\n').pop();
  globalThis.__postgresCluster = cluster;
};
