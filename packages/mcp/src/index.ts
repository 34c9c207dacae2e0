export { runMcpServer, type RunMcpServerOptions } from './run-server.js';
export { createTendMcpServer, INSTRUCTIONS } from './server.js';
export { defaultSession, readerFor } from './session.js';
export { pathEnv } from './daemon-env.js';
export { ClientProvider } from './client-provider.js';
export * from './tools/index.js';
