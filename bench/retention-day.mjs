// How big tend's state gets: runs a compressed "day" of agent use against a real
// daemon in a temp TEND_HOME and prints the size of the task folders, the daemon
// logs and the database. Usage:
//   node bench/retention-day.mjs [--tasks 500] [--calls 5000] [--lines 20000] [--config '{"keepEndedTasks":1000}']
// Each task prints `--lines` numbered lines (seq; ~5.9 bytes a line on average);
// each call is what a CLI invocation costs the daemon: connect, initialize, one
// request, disconnect. Sizes are disk use (st_blocks × 512, as du counts).
import { readdirSync, readFileSync, lstatSync, mkdirSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TendClient } from '../packages/client/dist/index.js';
import { TEND_VERSION } from '../packages/protocol/dist/wire.js';
import { DAEMON_BIN } from './lib.mjs';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '500' },
    calls: { type: 'string', default: '5000' },
    lines: { type: 'string', default: '20000' },
    config: { type: 'string', default: '{}' },
  },
});
const home = mkdtempSync('/tmp/tend-day-');
const env = { ...process.env, TEND_HOME: home, SHELL: '/bin/sh' };
mkdirSync(join(home, 'config'), { recursive: true });
writeFileSync(join(home, 'config', 'config.json'), values.config);

const connect = () =>
  TendClient.connect({
    env,
    autoStart: true,
    daemonCommand: [process.execPath, DAEMON_BIN],
    clientName: 'tend-cli',
    clientVersion: TEND_VERSION,
  });

function du(path) {
  const st = lstatSync(path);
  if (!st.isDirectory()) return st.blocks * 512;
  return readdirSync(path).reduce((sum, name) => sum + du(join(path, name)), st.blocks * 512);
}

const client = await connect();
const started = Date.now();
const tasks = Number(values.tasks);
for (let done = 0; done < tasks; ) {
  const batch = Math.min(10, tasks - done);
  await Promise.all(
    Array.from({ length: batch }, async () => {
      const task = await client.run({ command: `seq 1 ${values.lines}`, cwd: home });
      await client.wait(task.id, { timeoutMs: 60_000 });
    }),
  );
  done += batch;
}
for (let i = 0; i < Number(values.calls); i++) {
  const cli = await connect();
  await cli.status();
  await cli.close();
}
const status = await client.status();
const stateDir = join(home, 'state');
const logs = readdirSync(stateDir).filter((n) => n.startsWith('daemon.log'));
const db = readdirSync(stateDir).filter((n) => n.startsWith('tend.db'));
const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${status.pid}/status`, 'utf8'))?.[1]);
const result = {
  tasksRun: tasks,
  callsMade: Number(values.calls),
  config: JSON.parse(values.config),
  tasksKept: readdirSync(join(stateDir, 'tasks')).length,
  tasksBytes: du(join(stateDir, 'tasks')),
  logFiles: logs.sort(),
  logBytes: logs.reduce((sum, n) => sum + du(join(stateDir, n)), 0),
  dbBytes: db.reduce((sum, n) => sum + du(join(stateDir, n)), 0),
  daemonRssMiB: Math.round(rssKiB / 102.4) / 10,
  seconds: Math.round((Date.now() - started) / 1000),
};
await client.shutdown({});
await client.close();
rmSync(home, { recursive: true, force: true });
console.log(JSON.stringify(result, null, 2));
