import { createRequire } from 'node:module';

/**
 * Version of the wire protocol spoken over the socket. Bumped whenever a method,
 * a param or a result changes incompatibly; a client that meets a daemon with a
 * lower number restarts it (see docs/protocol.md, "Handshake").
 */
export const PROTOCOL_VERSION = 2;

// The one place the version is written is package.json (every workspace package carries the same
// number; version.test.ts checks it). Read at run time: it sits outside rootDir, and one small JSON
// read costs less than a generated file kept in sync by hand.
const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/**
 * Version of the tend packages (`@tend/protocol`'s package.json), reported by `daemon/initialize`,
 * `daemon/status`, `daemon.json`, `tend --version` and the MCP server.
 */
export const TEND_VERSION: string = pkg.version;
