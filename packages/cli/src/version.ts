import { createRequire } from 'node:module';

// Read from package.json at run time (it sits outside rootDir), without loading @tend/protocol.
const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/** Version of the `tend` CLI package. */
export const CLI_VERSION: string = pkg.version;
