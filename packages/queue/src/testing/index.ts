/** What the queue's tests and benchmarks use: a redis-server of their own. */
export { startRedis, type TestRedis } from "./TestRedis.ts"
