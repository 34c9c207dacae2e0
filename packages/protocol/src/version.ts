/**
 * Version of the wire protocol spoken over the socket. Bumped whenever a method,
 * a param or a result changes incompatibly; a client that meets a daemon with a
 * lower number restarts it (see docs/protocol.md, "Handshake").
 */
export const PROTOCOL_VERSION = 2;

/** Version of the tend packages, reported by `daemon/initialize` and `daemon/status`. */
export const TEND_VERSION = '0.1.0';
