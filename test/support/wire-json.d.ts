/**
 * A JSON value read off the wire by the tests' raw JSON-RPC clients (test/daemon-harness.ts,
 * test/wire-client.ts) and handed to the fakes (packages/client and packages/mcp test-support).
 * Those tests check the wire itself, so its replies stay untyped on purpose; typed access goes
 * through TendClient and the protocol's zod schemas. The one `any` of the tests, named here.
 */
// biome-ignore lint/suspicious/noExplicitAny: the single documented escape hatch for raw wire JSON in tests.
export type WireJson = any;
