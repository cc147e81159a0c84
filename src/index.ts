/**
 * @module index
 * The library surface: start a server in-process.
 */
export { startServer } from './server/start-server.js';
export type { StartServerOptions, RunningServer } from './server/start-server.js';
export { DynamoError } from './errors/index.js';
