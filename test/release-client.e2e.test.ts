import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunResult, runToExit } from './support/run-to-exit.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUpTendHome, makeTendHome } from './helpers.js';

// The client library as a user gets it: release/tend-client-<version>.tgz (scripts/pack-client.mjs; or
// TEND_RELEASE_CLIENT_TARBALL) installed with npm into a fresh project outside the repository, where
// it must import, type-check and drive a real daemon without any other @tend/* package. Its registry
// dependencies (zod, vscode-jsonrpc) are put in the project's node_modules first, copied from the
// workspace, so that `npm i --offline` finds them satisfied and the test needs no network.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DAEMON_BIN = join(ROOT, 'packages', 'daemon', 'dist', 'bin.js');
/** Packing runs esbuild and dts-bundle-generator (~20 s on a busy 2-core machine). */
const PACK_TIMEOUT_MS = 180_000;
const COMMAND_TIMEOUT_MS = 120_000;

type Result = RunResult;

function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<Result> {
  return runToExit(command, args, { ...options, timeoutMs: COMMAND_TIMEOUT_MS });
}

/** The directory of package `name` as `fromPackage` (a workspace package dir) resolves it. */
function packageDir(fromPackage: string, name: string): string {
  const require = createRequire(join(fromPackage, 'package.json'));
  return dirname(require.resolve(`${name}/package.json`));
}

let project: string;
let tarball: string;

beforeAll(async () => {
  if (process.env.TEND_RELEASE_CLIENT_TARBALL) {
    tarball = process.env.TEND_RELEASE_CLIENT_TARBALL;
    if (!existsSync(tarball)) throw new Error(`TEND_RELEASE_CLIENT_TARBALL=${tarball}: no such file`);
  } else {
    const packed = await run(process.execPath, ['scripts/pack-client.mjs'], { cwd: ROOT });
    if (packed.code !== 0) throw new Error(`node scripts/pack-client.mjs failed: ${packed.stderr}`);
    const { version } = JSON.parse(readFileSync(join(ROOT, 'packages', 'client', 'package.json'), 'utf8'));
    tarball = join(ROOT, 'release', `tend-client-${version}.tgz`);
  }
  project = mkdtempSync('/tmp/tend-client-');
  writeFileSync(join(project, 'package.json'), '{"name": "consumer", "private": true, "type": "module"}\n');
  const clientDir = join(ROOT, 'packages', 'client');
  const protocolDir = join(ROOT, 'packages', 'protocol');
  cpSync(packageDir(protocolDir, 'zod'), join(project, 'node_modules', 'zod'), {
    recursive: true,
    dereference: true,
  });
  cpSync(packageDir(clientDir, 'vscode-jsonrpc'), join(project, 'node_modules', 'vscode-jsonrpc'), {
    recursive: true,
    dereference: true,
  });
  const installed = await run('npm', ['i', '--offline', '--no-audit', '--no-fund', tarball], {
    cwd: project,
    env: {
      PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      HOME: project,
      npm_config_cache: join(project, '.npm-cache'),
      npm_config_update_notifier: 'false',
    },
  });
  if (installed.code !== 0) throw new Error(`npm i ${tarball} exited ${installed.code}: ${installed.stderr}`);
}, PACK_TIMEOUT_MS);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('@tend/client installed from its tarball', () => {
  it('depends on no other @tend package and ships its types and license', () => {
    const pkgDir = join(project, 'node_modules', '@tend', 'client');
    expect(readdirSync(join(project, 'node_modules', '@tend'))).toEqual(['client']);
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.dependencies).filter((name) => name.startsWith('@tend/'))).toEqual([]);
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'LICENSE', 'README.md'])
      expect(existsSync(join(pkgDir, file)), file).toBe(true);
    const types = readFileSync(join(pkgDir, 'dist', 'index.d.ts'), 'utf8');
    expect(types).not.toMatch(/from ['"]@tend\//);
    expect(types).toContain('declare class TendClient');
  });

  it(
    'type-checks a program that uses it',
    async () => {
      const require = createRequire(join(ROOT, 'package.json'));
      const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
      // @types/node for the program's own `node:` imports (and undici-types, which it imports).
      const typesNode = packageDir(ROOT, '@types/node');
      mkdirSync(join(project, 'node_modules', '@types'), { recursive: true });
      cpSync(typesNode, join(project, 'node_modules', '@types', 'node'), {
        recursive: true,
        dereference: true,
      });
      cpSync(packageDir(typesNode, 'undici-types'), join(project, 'node_modules', 'undici-types'), {
        recursive: true,
        dereference: true,
      });
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            lib: ['es2023'],
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: ['node'],
          },
          files: ['good.ts'],
        }),
      );
      writeFileSync(
        join(project, 'good.ts'),
        [
          "import { TendClient, callerEnvironment, type Task } from '@tend/client';",
          'export async function exitOf(command: string): Promise<number | null | undefined> {',
          "  const tend: TendClient = await TendClient.connect({ clientName: 'consumer', daemonCommand: ['tend-daemon'] });",
          '  const task: Task = await tend.run({ command, ...callerEnvironment() });',
          '  const { task: ended } = await tend.wait(task.id);',
          '  await tend.close();',
          '  return ended.exitCode;',
          '}',
          '',
        ].join('\n'),
      );
      const checked = await run(process.execPath, [tsc, '-p', '.'], { cwd: project });
      expect(checked.stdout + checked.stderr).toBe('');
      expect(checked.code).toBe(0);
      // The types are real: a misuse is an error.
      writeFileSync(
        join(project, 'good.ts'),
        "import { TendClient } from '@tend/client';\nexport const n: number = TendClient;\n",
      );
      const misuse = await run(process.execPath, [tsc, '-p', '.'], { cwd: project });
      expect(misuse.code).not.toBe(0);
      expect(misuse.stdout).toContain('TS2322');
    },
    COMMAND_TIMEOUT_MS * 2,
  );

  it('imports and runs a task through a real daemon', async () => {
    const home = makeTendHome();
    try {
      const script = [
        "import { TendClient } from '@tend/client';",
        `const tend = await TendClient.connect({ clientName: 'consumer', daemonCommand: [process.execPath, ${JSON.stringify(DAEMON_BIN)}] });`,
        "const task = await tend.run({ command: 'echo from-the-client; exit 4' });",
        'const { task: ended } = await tend.wait(task.id);',
        'const { data } = await tend.output({ id: task.id });',
        'await tend.close();',
        'console.log(JSON.stringify({ state: ended.state, exitCode: ended.exitCode, data }));',
      ].join('\n');
      writeFileSync(join(project, 'use.mjs'), script);
      const used = await run(process.execPath, ['use.mjs'], {
        cwd: project,
        env: { PATH: process.env.PATH, TEND_HOME: home, TEND_SYSTEMD_SCOPE: '0' },
      });
      expect(used.stderr).toBe('');
      expect(JSON.parse(used.stdout)).toEqual({ state: 'failed', exitCode: 4, data: 'from-the-client\n' });
    } finally {
      await cleanUpTendHome(home);
    }
  });
});
