export { runMcpServer, type RunMcpServerOptions } from './run-server.js';
export { createTendMcpServer, INSTRUCTIONS } from './server.js';
export { defaultSession, readerFor } from './session.js';
export { pathEnv } from './daemon-env.js';
export { ClientProvider } from './client-provider.js';
export * from './tools/index.js';
export { TaskEndNotifier, type McpEra } from './task-end-notifier.js';
export {
  registerTaskResources,
  taskOutputUri,
  TASK_OUTPUT_URI_TEMPLATE,
  RESOURCE_MAX_BYTES,
} from './resources.js';
export * from './tools/output-schemas.js';
export type { TendMcpServerOptions } from './server.js';
