#!/usr/bin/env node
// Packs the client library `@tend/client` so that it installs from the npm registry alone:
// release/tend-client-<version>.tgz (`pnpm pack:release` runs this after scripts/bundle.mjs).
//
//   node scripts/pack-client.mjs     write release/client-stage/ and release/tend-client-<version>.tgz
//
// The workspace package depends on `@tend/protocol`, which is not published. Here @tend/protocol's
// runtime is bundled into the client's JS (esbuild, one ESM file, not minified) and its types into the
// client's one .d.ts (dts-bundle-generator, --external-inlines @tend/protocol); what stays imported
// (zod…) becomes the package's dependencies, with the version ranges the workspace
// packages declare. Build the workspace first (`pnpm build`).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RELEASE_DIR = join(ROOT, 'release');
/** Where the client's package directory is written (gitignored). */
export const CLIENT_STAGE_DIR = join(RELEASE_DIR, 'client-stage');
const CLIENT_DIR = join(ROOT, 'packages', 'client');
const PROTOCOL_DIR = join(ROOT, 'packages', 'protocol');

function log(message) {
  process.stderr.write(`pack-client: ${message}\n`);
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** `zod/v4/core` → `zod`, `@scope/name/x` → `@scope/name`. */
function packageNameOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * Bundles packages/client/dist/index.js with @tend/protocol inlined and every other npm package left
 * as an import.
 * @returns the names of the npm packages the bundle imports (node builtins excluded).
 */
async function bundleJs(outfile, version) {
  const entry = join(CLIENT_DIR, 'dist', 'index.js');
  if (!existsSync(entry)) throw new Error(`${relative(ROOT, entry)} is missing: run \`pnpm build\` first`);
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: false,
    metafile: true,
    logLevel: 'warning',
    define: { __TEND_VERSION__: JSON.stringify(version) },
    plugins: [
      {
        name: 'external-except-protocol',
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) => {
            if (args.path.startsWith('@tend/')) {
              if (packageNameOf(args.path) !== '@tend/protocol')
                throw new Error(
                  `${args.importer} imports ${args.path}: only @tend/protocol is bundled into the client`,
                );
              return undefined;
            }
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  const imported = new Set();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const { path, external } of output.imports) {
      if (external && !path.startsWith('node:')) imported.add(packageNameOf(path));
    }
  }
  return [...imported].sort();
}

/**
 * Writes the client's types as one .d.ts with @tend/protocol's inlined (dts-bundle-generator, which
 * type-checks its output against the workspace's node_modules).
 */
function bundleTypes(outfile) {
  const bin = join(ROOT, 'node_modules', 'dts-bundle-generator', 'dist', 'bin', 'dts-bundle-generator.js');
  execFileSync(
    process.execPath,
    [
      bin,
      '--silent',
      '--no-banner',
      '--project',
      join(CLIENT_DIR, 'tsconfig.json'),
      '--external-inlines',
      '@tend/protocol',
      '-o',
      outfile,
      join(CLIENT_DIR, 'src', 'index.ts'),
    ],
    { cwd: CLIENT_DIR, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const types = readFileSync(outfile, 'utf8');
  const leaked = /from ['"](@tend\/[^'"]+)['"]/.exec(types);
  if (leaked) throw new Error(`${outfile} still imports ${leaked[1]}`);
}

/**
 * Writes release/client-stage/ and packs it into release/tend-client-<version>.tgz.
 * @returns the tarball's path.
 * @throws when the workspace is not built, a bundled import has no declared version range, or a
 *   step (esbuild, dts-bundle-generator, npm pack) fails.
 */
export async function packClient() {
  const pkg = readJson(join(CLIENT_DIR, 'package.json'));
  const declared = { ...readJson(join(PROTOCOL_DIR, 'package.json')).dependencies, ...pkg.dependencies };
  rmSync(CLIENT_STAGE_DIR, { recursive: true, force: true });
  mkdirSync(join(CLIENT_STAGE_DIR, 'dist'), { recursive: true });
  const imported = await bundleJs(join(CLIENT_STAGE_DIR, 'dist', 'index.js'), pkg.version);
  // A temp file inside @tend/protocol's dist, so that dts-bundle-generator's check of it resolves zod
  // (the one package its types import) from protocol's node_modules.
  const typesTemp = join(PROTOCOL_DIR, 'dist', '.bundled-client-index.d.ts');
  try {
    bundleTypes(typesTemp);
    copyFileSync(typesTemp, join(CLIENT_STAGE_DIR, 'dist', 'index.d.ts'));
  } finally {
    rmSync(typesTemp, { force: true });
  }
  const dependencies = {};
  for (const name of imported) {
    if (!declared[name])
      throw new Error(`the client bundle imports ${name}, which neither client nor protocol declares`);
    dependencies[name] = declared[name];
  }
  const stagePkg = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    type: 'module',
    engines: pkg.engines,
    main: 'dist/index.js',
    types: 'dist/index.d.ts',
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
    files: ['dist'],
    dependencies,
  };
  writeFileSync(join(CLIENT_STAGE_DIR, 'package.json'), `${JSON.stringify(stagePkg, null, 2)}\n`);
  copyFileSync(join(CLIENT_DIR, 'LICENSE'), join(CLIENT_STAGE_DIR, 'LICENSE'));
  copyFileSync(join(CLIENT_DIR, 'README.md'), join(CLIENT_STAGE_DIR, 'README.md'));
  const tarball = join(RELEASE_DIR, `tend-client-${pkg.version}.tgz`);
  rmSync(tarball, { force: true });
  execFileSync('npm', ['pack', '--silent', '--pack-destination', RELEASE_DIR, CLIENT_STAGE_DIR], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (!existsSync(tarball)) throw new Error(`npm pack wrote no ${tarball}`);
  log(
    `wrote ${relative(ROOT, tarball)} (${(statSync(tarball).size / 1024).toFixed(0)} KiB; dependencies ${Object.keys(dependencies).join(', ')})`,
  );
  return tarball;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.length > 2) {
    process.stderr.write(
      `pack-client: unknown argument ${process.argv.slice(2).join(' ')}; usage: node scripts/pack-client.mjs\n`,
    );
    process.exit(2);
  }
  try {
    await packClient();
  } catch (error) {
    process.stderr.write(`pack-client: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
