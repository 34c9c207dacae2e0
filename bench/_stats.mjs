import { BenchDaemon, now, stats } from './lib.mjs';
import { startSleepers } from './adoption.mjs';
const b = new BenchDaemon({ nodeArgs: [] });
try {
  await b.start(); const c = await b.client(); const t = await startSleepers(b, c, 100);
  const ids = t.map((x) => x.id); const ms = [];
  for (let i = 0; i < 40; i++) { const t0 = now(); await c.stats(ids); ms.push(now() - t0); }
  console.log('task/stats p50', stats(ms).p50.toFixed(1), 'ms; processes on the machine', (await import('node:fs')).readdirSync('/proc').filter((x) => /^\d+$/.test(x)).length);
} finally { await b.cleanup(); }
