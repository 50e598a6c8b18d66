// Packs every publishable workspace under packages/ into the tarball that gets published.
//
// `npm pack` publishes package.json as it is (it ignores publishConfig.exports), and ours is
// written for the monorepo: a `source` export condition pointing at .ts files, no engines
// of its own. This step copies the files `npm pack` would take into a scratch folder,
// writes the published manifest there, adds the root LICENSE, checks the result and packs
// it. `--publish-dry-run` then runs `npm publish --dry-run` on every tarball.
//
//   node .ci/pack.ts [--out <dir>] [--publish-dry-run]
//
// Tarballs land in <dir> (default .pack/), with <dir>/tarballs.json naming them by package.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Manifest = { [key: string]: Json };

const root = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: { out: { type: 'string', default: join(root, '.pack') }, 'publish-dry-run': { type: 'boolean' } },
});
const out = resolve(args.out);

function readJson(file: string): Manifest {
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest;
}

/** The exports map without the in-repo `source` condition, at every depth. */
function withoutSource(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutSource);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'source')
      .map(([key, item]) => [key, withoutSource(item)]),
  );
}

/** The manifest a user installs: what the published package needs, nothing the monorepo needs. */
function publishedManifest(manifest: Manifest, rootManifest: Manifest): Manifest {
  const { scripts: _scripts, devDependencies: _devDependencies, ...published } = manifest;
  const exports = withoutSource(manifest.exports ?? null);
  const main = exports !== null && typeof exports === 'object' && !Array.isArray(exports) ? exports['.'] : undefined;
  const fallbacks: Manifest = {};
  if (main && typeof main === 'object' && !Array.isArray(main)) {
    // For resolvers that read no exports map (TypeScript's node10, old bundlers).
    if (typeof main.types === 'string') fallbacks.types = main.types;
    if (typeof main.default === 'string') fallbacks.main = main.default;
  }
  const name = String(manifest.name);
  const publishConfig = (manifest.publishConfig ?? {}) as Manifest;
  const { exports: _exports, ...rest } = published;
  return {
    ...rest,
    ...fallbacks,
    exports,
    // The Node requirement has one home, the root package.json.
    engines: rootManifest.engines ?? null,
    ...(rootManifest.repository ? { repository: rootManifest.repository } : {}),
    ...(name.startsWith('@') ? { publishConfig: { access: 'public', ...publishConfig } } : {}),
  };
}

function run(command: string, argv: string[], cwd: string): string {
  try {
    return execFileSync(command, argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    fail(`\`${command} ${argv.join(' ')}\` failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

function fail(message: string): never {
  console.error(`pack: ${message}`);
  process.exit(1);
}

function packPackage(dir: string, rootManifest: Manifest, scratch: string): { name: string; tarball: string } {
  const manifest = readJson(join(dir, 'package.json'));
  const name = String(manifest.name);
  if (!existsSync(join(dir, 'README.md'))) fail(`${name} has no README.md (${dir})`);
  if (!existsSync(join(dir, 'dist'))) fail(`${name} is not built (no ${dir}/dist): run \`npm run build\` first`);
  const listing = JSON.parse(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], dir)) as Array<{
    files: Array<{ path: string }>;
  }>;
  const files = listing[0]?.files.map((f) => f.path) ?? [];
  const unwanted = files.filter((f) => f.endsWith('.tsbuildinfo') || f.includes('.test.') || f.includes('.test-d.'));
  if (unwanted.length > 0) fail(`${name} would ship ${unwanted.join(', ')}: exclude them in its "files"`);

  const stage = join(scratch, name.replace('/', '+'));
  for (const file of files) {
    if (file === 'package.json') continue;
    mkdirSync(dirname(join(stage, file)), { recursive: true });
    copyFileSync(join(dir, file), join(stage, file));
  }
  copyFileSync(join(root, 'LICENSE'), join(stage, 'LICENSE'));
  const published = publishedManifest(manifest, rootManifest);
  if (JSON.stringify(published.exports).includes('"source"')) fail(`${name}: a source condition survived`);
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);

  const [packed] = JSON.parse(
    run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], stage),
  ) as Array<{ filename: string; files: Array<{ path: string }> }>;
  if (!packed) fail(`npm pack gave no tarball for ${name}`);
  const shipped = new Set(packed.files.map((f) => f.path));
  for (const required of ['README.md', 'LICENSE', 'package.json']) {
    if (!shipped.has(required)) fail(`${name}'s tarball has no ${required}`);
  }
  return { name, tarball: join(out, packed.filename) };
}

const rootManifest = readJson(join(root, 'package.json'));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const scratch = mkdtempSync(join(tmpdir(), 'kbus-pack-'));
const tarballs: Record<string, string> = {};
try {
  for (const entry of readdirSync(join(root, 'packages'), { withFileTypes: true })) {
    const dir = join(root, 'packages', entry.name);
    if (!entry.isDirectory() || !existsSync(join(dir, 'package.json'))) continue;
    if (readJson(join(dir, 'package.json')).private === true) continue;
    const { name, tarball } = packPackage(dir, rootManifest, scratch);
    tarballs[name] = tarball;
    console.log(`${name}: ${tarball}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
writeFileSync(join(out, 'tarballs.json'), `${JSON.stringify(tarballs, null, 2)}\n`);

if (args['publish-dry-run']) {
  for (const [name, tarball] of Object.entries(tarballs)) {
    run('npm', ['publish', '--dry-run', tarball], out);
    console.log(`${name}: npm publish --dry-run passed`);
  }
}
