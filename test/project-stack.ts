// Shared pieces of the project tests (cli-project*.e2e.test.ts, mcp-project.e2e.test.ts): a temporary project
// directory with a tend.toml, free loopback ports, and the three-task stack of issue 14.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1 (the kernel's pick; closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A fresh project directory under /tmp holding `toml` as tend.toml (and `files`, by name); remove it with `rmSync`. */
export function makeProject(toml: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync('/tmp/tend-project-');
  writeFileSync(join(dir, 'tend.toml'), toml);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Removes a project directory made by {@link makeProject}. */
export function removeProject(dir: string | undefined): void {
  if (dir?.startsWith('/tmp/tend-project-')) rmSync(dir, { recursive: true, force: true });
}

/** A loopback HTTP server script: listens on argv[2] after argv[3] ms (started with `node serve.mjs PORT DELAY`). */
export const SERVE_SCRIPT = `import { createServer } from 'node:http';
const [port, delay] = process.argv.slice(2).map(Number);
setTimeout(() => {
  createServer((req, res) => res.end('ok\\n')).listen(port, '127.0.0.1', () => console.log('listening on ' + port));
}, delay);
process.on('SIGTERM', () => process.exit(0));
`;

/** Delay before the api server of {@link stackToml} listens, in ms. */
export const API_DELAY_MS = 400;

/**
 * The three-task stack: `setup` (one-shot, needed `succeeded`), `api` (listens on `apiPort` only after
 * {@link API_DELAY_MS}, ready by port) and `web` (depends on api ready, ready by http on `webPort`).
 */
export function stackToml(apiPort: number, webPort: number): string {
  return `# the three-task stack of issue 14
[tasks.setup]
command = "echo setting up; echo done > setup.done"

[tasks.api]
command = "exec node serve.mjs ${apiPort} ${API_DELAY_MS}"
depends_on = { setup = "succeeded" }
ready = { port = ${apiPort}, timeout = "60s" }

[tasks.web]
command = "exec node serve.mjs ${webPort} 0"
depends_on = ["api"]
ready = { http = "http://127.0.0.1:${webPort}/", timeout = "60s" }
`;
}
