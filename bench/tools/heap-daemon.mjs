// Diagnostic: runs the daemon in this process with --expose-gc; on SIGUSR2 it
// collects garbage and appends process.memoryUsage() as a JSON line to
// $TEND_HOME/heap.jsonl. Used by tools/heap-check.mjs to tell a leak (live heap
// growing with the number of tasks run) from V8 merely keeping a larger heap.
// Usage: node --expose-gc bench/tools/heap-daemon.mjs   (TEND_HOME set)
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import { startDaemon } from '../../packages/daemon/dist/daemon.js';

process.chdir('/');
const daemon = await startDaemon();
process.on('SIGUSR2', () => {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(
    v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]),
  );
  appendFileSync(join(process.env.TEND_HOME, 'heap.jsonl'), `${JSON.stringify({ ...m, spaces })}\n`);
});
process.on('SIGTERM', () => void daemon.shutdown());
await daemon.closed;
process.exit(0);
