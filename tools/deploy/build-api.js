#!/usr/bin/env node
// Compiles the API (apps/api/src/main.ts and the libs it imports) into one CommonJS file, dist/apps/api/main.js, so
// production runs plain `node`, not tsx. The workspace libs are bundled (resolved through tsconfig.base.json's
// paths); npm packages stay external and are required from node_modules at run time (nodejs-polars and the LightGBM
// addon are native). A bundled module keeps its own __dirname (the folder of its source file), so native.ts still
// finds libs/lightgbm/build/Release/lightgbm_node.node and workspaceRoot() still finds nx.json.
// Usage: node tools/deploy/build-api.js [--if-stale] [--out FILE]
//   --if-stale  do nothing when the output is newer than every source; --out  another output file (tests)
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..', '..');
const entry = path.join(root, 'apps', 'api', 'src', 'main.ts');
const outArg = process.argv.indexOf('--out');
const outfile = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : path.join(root, 'dist', 'apps', 'api', 'main.js');
const sourceDirs = [
  'apps/api/src',
  'libs/data/src',
  'libs/features/src',
  'libs/lightgbm/src',
  'libs/tracking/src',
  'libs/drift/src',
  'libs/decision/src',
  'libs/monitoring/src',
].map((dir) => path.join(root, dir));

/** The newest modification time of a file, or of any file below a folder (0 when absent). */
function newestMtime(source) {
  const stat = fs.statSync(source, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...fs.readdirSync(source).map((name) => newestMtime(path.join(source, name))));
}

function isStale() {
  const built = fs.statSync(outfile, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const inputs = [...sourceDirs, path.join(root, 'package.json'), path.join(root, 'tsconfig.base.json'), __filename];
  return inputs.some((input) => newestMtime(input) > built);
}

/** Replaces __dirname/__filename in workspace sources with their source location, relative to the output file. */
const keepSourceDirname = {
  name: 'keep-source-dirname',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      let contents = await fs.promises.readFile(args.path, 'utf8');
      if (/\b__(dirname|filename)\b/.test(contents)) {
        const dir = path.relative(path.dirname(outfile), path.dirname(args.path)).split(path.sep).join('/');
        const file = `${dir}/${path.basename(args.path)}`;
        contents = contents
          .replace(/\b__dirname\b/g, `require('node:path').join(__dirname, ${JSON.stringify(dir)})`)
          .replace(/\b__filename\b/g, `require('node:path').join(__dirname, ${JSON.stringify(file)})`);
      }
      return { contents, loader: 'ts' };
    });
  },
};

async function main() {
  if (process.argv.includes('--if-stale') && !isStale()) return;
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const packages = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
  const started = Date.now();
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    tsconfig: path.join(root, 'tsconfig.base.json'),
    external: packages.flatMap((name) => [name, `${name}/*`]),
    plugins: [keepSourceDirname],
    logLevel: 'warning',
  });
  const size = (fs.statSync(outfile).size / 1024).toFixed(0);
  process.stderr.write(`built ${path.relative(root, outfile)} (${size} KB) in ${Date.now() - started} ms\n`);
}

main().catch((error) => {
  process.stderr.write(`build-api: ${error.message.split('\n')[0]}\n`);
  process.exit(1);
});
