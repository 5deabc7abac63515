export { createApp } from './app.js'
export type { RunningServer, ServerOptions } from './server.js'
export { startServer } from './server.js'
