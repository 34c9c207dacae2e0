// @ts-check
// Preloaded with `node --import` (or NODE_OPTIONS=--import=…): counts the zod schemas a process builds.
//
// The hook: zod 4's $constructor begins every schema's construction with `if (!inst._zod)` on the new
// instance (zod/v4/core/core.js, `init`), before it defines `_zod` as the instance's own property. That read
// walks the prototype chain to Object.prototype, where this module puts a getter: it counts, and returns
// undefined as the missing property would. Nothing else reads `_zod` on an object without one (a parse
// reads it on schemas, which have their own), so the count is the schemas built, checks included.
//
// On SIGUSR2, and at exit, writes `{ "built": <count>, "first": <stack of the first build, or null> }` to
// $TEND_TEST_ZOD_REPORT (when set), so that a test can ask a running daemon.
import { writeFileSync } from 'node:fs';

let built = 0;
/** @type {string | null} */
let first = null;
Object.defineProperty(Object.prototype, '_zod', {
  configurable: true,
  get() {
    built++;
    if (first === null) first = new Error('first zod schema built').stack ?? '';
    return undefined;
  },
});

const report = () => {
  const path = process.env.TEND_TEST_ZOD_REPORT;
  if (path) writeFileSync(path, JSON.stringify({ built, first }));
};
process.on('SIGUSR2', report);
process.on('exit', report);

/** How many zod schemas this process has built so far (for a script that imports this module itself). */
export function zodSchemasBuilt() {
  return built;
}
