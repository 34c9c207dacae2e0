import { parseSshHost } from '@tend/client';
import type { GlobalOptions } from './connect.js';
import {
  checkContextName,
  contextsPath,
  DEFAULT_CONTEXT,
  readContexts,
  resolveTarget,
  writeContexts,
} from './contexts.js';
import { CliError } from './errors.js';
import { printJson, printLine, writeOut } from './output.js';
import { renderTable } from './table.js';

/**
 * `tend context create NAME --host ssh://…`: stores the context in contexts.json (tend's config dir).
 * @returns 0.
 * @throws CliError for a bad or taken name, or a host that is not `ssh://[user@]host[:port]`.
 */
export async function createContext(
  name: string,
  options: { host: string; description?: string; json?: boolean },
): Promise<number> {
  checkContextName(name);
  try {
    parseSshHost(options.host);
  } catch (err) {
    throw new CliError((err as Error).message, { cause: err });
  }
  const file = readContexts();
  if (file.contexts[name])
    throw new CliError(
      `context "${name}" exists (host ${file.contexts[name].host}); remove it first: tend context rm ${name}`,
    );
  file.contexts[name] = {
    host: options.host,
    ...(options.description !== undefined ? { description: options.description } : {}),
  };
  writeContexts(file);
  await (options.json ? printJson({ name, ...file.contexts[name] }) : printLine(name));
  return 0;
}

/**
 * `tend context ls`: NAME, HOST, DESCRIPTION of `default` and every context, `*` after the current one
 * (the one TEND_HOST/TEND_CONTEXT/the stored choice selects); as JSON `[{name, host?, description?, current}]`.
 * @returns 0.
 */
export async function listContexts(options: GlobalOptions): Promise<number> {
  const file = readContexts();
  let current: string = DEFAULT_CONTEXT;
  try {
    const target = resolveTarget({});
    current = target.context ?? (target.host !== undefined ? '' : DEFAULT_CONTEXT);
  } catch {
    // A current context that no longer exists: none is marked.
    current = '';
  }
  const rows = [
    { name: DEFAULT_CONTEXT, description: 'this machine', current: current === DEFAULT_CONTEXT },
    ...Object.entries(file.contexts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, context]) => ({ name, ...context, current: current === name })),
  ];
  if (options.json) {
    await printJson(rows);
    return 0;
  }
  await writeOut(
    renderTable(
      ['NAME', 'HOST', 'DESCRIPTION'],
      rows.map((row) => [
        `${row.name}${row.current ? ' *' : ''}`,
        'host' in row ? String(row.host) : '',
        row.description ?? '',
      ]),
    ),
  );
  return 0;
}

/**
 * `tend context use NAME`: makes NAME the current context (`default`: the local daemon).
 * @returns 0.
 * @throws CliError for a context that does not exist.
 */
export async function useContext(name: string): Promise<number> {
  checkContextName(name, { allowDefault: true });
  const file = readContexts();
  if (name !== DEFAULT_CONTEXT && !file.contexts[name])
    throw new CliError(`no context named "${name}" (tend context ls lists them)`, {
      reason: 'context_not_found',
    });
  if (name === DEFAULT_CONTEXT) delete file.current;
  else file.current = name;
  writeContexts(file);
  await printLine(name);
  if (process.env.TEND_HOST || process.env.TEND_CONTEXT)
    process.stderr.write(
      `tend: note: ${process.env.TEND_HOST ? 'TEND_HOST' : 'TEND_CONTEXT'} is set in this shell and wins over the current context\n`,
    );
  return 0;
}

/**
 * `tend context rm NAME…`: removes contexts; removing the current one makes `default` current.
 * @returns 0.
 * @throws CliError for `default` or a context that does not exist (nothing is removed then).
 */
export async function removeContexts(names: string[]): Promise<number> {
  const file = readContexts();
  for (const name of names) {
    checkContextName(name);
    if (!file.contexts[name])
      throw new CliError(`no context named "${name}" in ${contextsPath()}`, { reason: 'context_not_found' });
  }
  for (const name of names) {
    delete file.contexts[name];
    if (file.current === name) delete file.current;
  }
  writeContexts(file);
  await printLine(names.join('\n'));
  return 0;
}

/**
 * `tend context show`: the name of the context commands use now (`default` for the local daemon; the host
 * itself when TEND_HOST names one outside any context).
 * @returns 0.
 */
export async function showContext(options: GlobalOptions): Promise<number> {
  const target = resolveTarget({});
  const name = target.context ?? target.host ?? DEFAULT_CONTEXT;
  await (options.json ? printJson({ name, ...(target.host ? { host: target.host } : {}) }) : printLine(name));
  return 0;
}
