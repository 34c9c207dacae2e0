// JSON-RPC round trip of daemon/status through TendClient against a bare
// vscode-jsonrpc request over a Unix socket, sequential (p50, p99) and at 1, 8
// and 32 concurrent clients (p50, for the chart).
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';
import { BenchDaemon, killOurs, now, stats, summary } from '../lib.mjs';

const SERVER = join(import.meta.dirname, '..', 'ref', 'jsonrpc-server.mjs');

/** Starts the reference server; resolves with `{pid, socketPath}` once it listens. */
function startReferenceServer(socketPath, payload) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVER, socketPath, JSON.stringify(payload)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.on('error', reject);
    child.stdout.once('data', () => resolve({ pid: child.pid, child }));
  });
}

/** A bare vscode-jsonrpc client connection to `socketPath`. */
function bareClient(socketPath) {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath, () => {
      const connection = createMessageConnection(
        new StreamMessageReader(socket),
        new StreamMessageWriter(socket),
      );
      connection.listen();
      resolve({
        request: () => connection.sendRequest('daemon/status', {}),
        close: () => {
          connection.dispose();
          socket.destroy();
        },
      });
    });
    socket.once('error', reject);
  });
}

/** Latencies (ms) of `count` sequential calls of `call`. */
async function sequential(call, count) {
  const out = new Array(count);
  for (let i = 0; i < count; i++) {
    const t0 = now();
    await call();
    out[i] = now() - t0;
  }
  return out;
}

/** Latencies of `perClient` sequential calls on each of `calls` (one per client), all clients at once. */
async function concurrent(calls, perClient) {
  const all = await Promise.all(calls.map((call) => sequential(call, perClient)));
  return all.flat();
}

/**
 * @returns `{sequential: {tend: {p50[], p99[]}, bare: {…}}, concurrency: {levels, tend: {c: p50[]}, bare: {…}}}`
 *   with one value per repeat, in ms.
 */
export async function measureRpc(ctx) {
  const { repeats, smoke } = ctx;
  const calls = smoke ? 300 : 3000;
  const levels = [1, 8, 32];
  const totalPerLevel = smoke ? 320 : 3200;
  const bench = new BenchDaemon();
  let server;
  const bares = [];
  try {
    await bench.start();
    const clients = [];
    for (let i = 0; i < Math.max(...levels); i++) clients.push(await bench.client(`rpc-${i}`));
    const payload = await clients[0].status();
    server = await startReferenceServer(join(bench.home, 'ref.sock'), payload);
    for (let i = 0; i < Math.max(...levels); i++) bares.push(await bareClient(join(bench.home, 'ref.sock')));
    const tendCall = (i) => () => clients[i].status();
    const bareCall = (i) => () => bares[i].request();
    // Warm both paths up (JIT, socket buffers).
    await sequential(tendCall(0), 300);
    await sequential(bareCall(0), 300);
    const seq = { tend: { p50: [], p99: [] }, bare: { p50: [], p99: [] } };
    const conc = { tend: {}, bare: {} };
    for (const c of levels) conc.tend[c] = [];
    for (const c of levels) conc.bare[c] = [];
    for (let r = 0; r < repeats; r++) {
      const order = r % 2 === 0 ? ['tend', 'bare'] : ['bare', 'tend'];
      for (const who of order) {
        const s = stats(await sequential(who === 'tend' ? tendCall(0) : bareCall(0), calls));
        seq[who].p50.push(s.p50);
        seq[who].p99.push(s.p99);
      }
      for (const c of levels) {
        for (const who of order) {
          const callsOf = Array.from({ length: c }, (_, i) => (who === 'tend' ? tendCall(i) : bareCall(i)));
          conc[who][c].push(stats(await concurrent(callsOf, Math.ceil(totalPerLevel / c))).p50);
        }
      }
      ctx.progress(
        `rpc repeat ${r + 1}/${repeats}: tend p50 ${seq.tend.p50.at(-1).toFixed(3)} ms, bare ${seq.bare.p50.at(-1).toFixed(3)} ms`,
      );
    }
    return {
      calls,
      sequential: seq,
      concurrency: {
        levels,
        callsPerLevel: totalPerLevel,
        tend: Object.fromEntries(levels.map((c) => [c, summary(conc.tend[c])])),
        bare: Object.fromEntries(levels.map((c) => [c, summary(conc.bare[c])])),
      },
    };
  } finally {
    for (const bare of bares) bare.close();
    if (server) killOurs(server.pid);
    await bench.cleanup();
  }
}
