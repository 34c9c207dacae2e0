import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Set by the release bundle (scripts/bundle.mjs, an esbuild `define`) to the directory of the
 * prebuilt better-sqlite3 addons relative to the bundled daemon's files; absent in the workspace.
 */
declare const __TEND_PREBUILDS__: string | undefined;

/**
 * The `nativeBinding` option for `new Database(…)`. In the workspace: none (better-sqlite3 finds
 * its own build in node_modules). In the release package, which bundles better-sqlite3's JS but
 * cannot bundle its native addon: the path of the addon built for the running Node,
 * `prebuilds/<platform>-<arch>-abi<process.versions.modules>/better_sqlite3.node` (ABI 115 is
 * Node 20, 127 is Node 22; nodejs.org/en/download/releases lists them).
 * @returns `{}` or `{ nativeBinding: '/…/better_sqlite3.node' }`, to spread into the options.
 * @throws Error naming the Node version, its ABI and the ABIs the package ships when none matches.
 */
export function sqliteBinding(): { nativeBinding?: string } {
  if (typeof __TEND_PREBUILDS__ !== 'string') return {};
  const dir = new URL(__TEND_PREBUILDS__, import.meta.url);
  const name = `${process.platform}-${process.arch}-abi${process.versions.modules}`;
  const addon = fileURLToPath(new URL(`${name}/better_sqlite3.node`, dir));
  if (existsSync(addon)) return { nativeBinding: addon };
  let shipped: string[] = [];
  try {
    shipped = readdirSync(dir).sort();
  } catch {
    // No prebuilds directory at all: said below as "none".
  }
  throw new Error(
    `this tend package has no SQLite addon (better-sqlite3) for Node ${process.version} ` +
      `(${name}, ABI ${process.versions.modules}); it ships ${shipped.join(', ') || 'none'} in ${fileURLToPath(dir)}. ` +
      'Run tend with one of those Node versions (ABI 115 is Node 20, 127 is Node 22), or build the package for this one ' +
      '(CONTRIBUTING.md, "Release package").',
  );
}
