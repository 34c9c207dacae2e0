import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** How one run of the fake daemon script behaves (passed as JSON in argv[2]). */
export interface FakeDaemonConfig {
  /** protocolVersion it answers daemon/initialize with; clients below it are refused. */
  protocolVersion: number;
  /** File to append its pid to on start. */
  record: string;
  /** Write this line to stderr and exit 1 instead of serving. */
  fail?: string;
}

const require = createRequire(import.meta.url);

/**
 * Writes a small Node daemon to `<dir>/fake-daemon.mjs`: it resolves its socket
 * and lock from TEND_HOME like the real one, takes the lock with O_EXCL (a loser
 * prints a line to stderr and exits 1), replaces a stale socket, answers
 * daemon/initialize, daemon/status (pid, clients) and daemon/shutdown with vscode-jsonrpc, and removes socket
 * and lock on shutdown or SIGTERM. It refuses to start when TEND_HOME is gone
 * and exits after a minute, so a test that dies cannot leak it.
 * @returns the script path; run it as `[process.execPath, path, JSON.stringify(config)]`.
 */
export function writeFakeDaemonScript(dir: string): string {
  const rpcUrl = pathToFileURL(require.resolve('vscode-jsonrpc/node.js')).href;
  const protocolUrl = pathToFileURL(require.resolve('@tend/protocol')).href;
  const script = `
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import rpc from ${JSON.stringify(rpcUrl)};
import { resolvePaths } from ${JSON.stringify(protocolUrl)};

const { createMessageConnection, StreamMessageReader, StreamMessageWriter, ResponseError } = rpc;
const config = JSON.parse(process.argv[2]);
const paths = resolvePaths({ env: process.env });
// Safety nets against leaks: never outlive the test's TEND_HOME, never run over a minute.
if (!existsSync(process.env.TEND_HOME)) process.exit(2);
setTimeout(() => exit(), 60_000).unref();
appendFileSync(config.record, process.pid + '\\n');
if (config.fail) {
  process.stderr.write(config.fail + '\\n');
  process.exit(1);
}
mkdirSync(paths.runtimeDir, { recursive: true, mode: 0o700 });
try {
  closeSync(openSync(paths.lockPath, 'wx'));
} catch {
  process.stderr.write('fake daemon ' + process.pid + ': lost the race for ' + paths.lockPath + '\\n');
  process.exit(1);
}
rmSync(paths.socketPath, { force: true });
const startedAt = new Date().toISOString();
function exit() {
  rmSync(paths.socketPath, { force: true });
  rmSync(paths.lockPath, { force: true });
  process.exit(0);
}
process.on('SIGTERM', exit);
let clients = 0;
const server = createServer((socket) => {
  clients++;
  socket.on('close', () => clients--);
  socket.on('error', () => {});
  const connection = createMessageConnection(new StreamMessageReader(socket), new StreamMessageWriter(socket));
  connection.onRequest('daemon/initialize', (params) => {
    if (params.protocolVersion < config.protocolVersion) {
      throw new ResponseError(1002, 'client protocol ' + params.protocolVersion + ' is older than ' + config.protocolVersion, { reason: 'protocol_mismatch' });
    }
    return { version: '0.0.0-fake', protocolVersion: config.protocolVersion, pid: process.pid, startedAt, socket: paths.socketPath };
  });
  connection.onRequest('daemon/status', () => ({ pid: process.pid, clients }));
  connection.onRequest('daemon/shutdown', () => {
    setTimeout(exit, 20);
    return { pid: process.pid, killedTasks: 0 };
  });
  connection.listen();
});
server.listen(paths.socketPath, () => process.stdout.write('fake daemon ' + process.pid + ' listening\\n'));
`;
  const path = join(dir, 'fake-daemon.mjs');
  writeFileSync(path, script);
  return path;
}

/** argv that runs the fake daemon script at `scriptPath` with `config`. */
export function fakeDaemonCommand(scriptPath: string, config: FakeDaemonConfig): string[] {
  return [process.execPath, scriptPath, JSON.stringify(config)];
}
