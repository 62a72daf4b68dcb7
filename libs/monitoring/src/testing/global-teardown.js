const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async function globalTeardown() {
  const cluster = globalThis.__postgresCluster;
  if (!cluster) return;
  const root = path.resolve(__dirname, '../../../..');
  execFileSync(path.join(root, 'tools/postgres/stop.sh'), ['--purge'], {
    env: { ...process.env, PG_CLUSTER_DIR: cluster },
  });
  delete process.env.DATABASE_URL;
};
