#!/usr/bin/env node
import { runFastPath } from './fast-path.js';

// A reader that goes away (`tend logs ID | head`) is not an error of tend.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const args = process.argv.slice(2);
// A plain `tend ps` runs without commander (fast-path.ts); everything else goes through the program.
const code = (await runFastPath(args)) ?? (await (await import('./main.js')).main(args));
// Exit once stdout and stderr are flushed, even if a handle (socket, timer) lingers.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
