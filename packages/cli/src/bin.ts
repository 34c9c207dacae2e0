#!/usr/bin/env node
import { main } from './main.js';

// A reader that goes away (`tend logs ID | head`) is not an error of tend.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const code = await main(process.argv.slice(2));
// Exit once stdout and stderr are flushed, even if a handle (socket, timer) lingers.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
