import { createRequire } from 'node:module';

/**
 * Version of the wire protocol spoken over the socket. Bumped whenever a method,
 * a param or a result changes incompatibly; a client that meets a daemon with a
 * lower number restarts it (see docs/protocol.md, "Handshake").
 */
export const PROTOCOL_VERSION = 2;

/** Set by the release bundle (scripts/bundle.mjs, an esbuild `define`) to the version; absent in the workspace. */
declare const __TEND_VERSION__: string | undefined;

// The one place the version is written is package.json (every workspace package carries the same
// number; version.test.ts checks it). In the workspace it is read at run time: it sits outside
// rootDir, and one small JSON read costs less than a generated file kept in sync by hand. The
// release bundle has no package.json of @tend/protocol beside it and gets the number compiled in.
const version: string =
  typeof __TEND_VERSION__ === 'string'
    ? __TEND_VERSION__
    : (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/**
 * Version of the tend packages (`@tend/protocol`'s package.json), reported by `daemon/initialize`,
 * `daemon/status`, `daemon.json`, `tend --version` and the MCP server.
 */
export const TEND_VERSION: string = version;
