export type { RedisClient, RedisKeyValue } from './client.js'
export { redisKeyValue } from './client.js'
export type { RedisReplayStoreOptions } from './replay-store.js'
export { redisReplayStore } from './replay-store.js'
