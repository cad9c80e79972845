/**
 * @videokr/queue — the construction pipeline on many machines: `videokr run --queue` makes the run a
 * coordinator that hands stage items to workers (`videokr worker`) as BullMQ jobs on Redis and alone
 * writes the store; provider limits are held across all of them through Redis.
 *
 * @module @videokr/queue
 */
export { parseQueueUrl, type QueueAddress, queueAddress } from "./QueueUrl.ts"
export { defaultPrefix, type JobData, jobIdOf, type JobResult, queueNameOf } from "./Jobs.ts"
export { type CoordinatorOptions, makeCoordinator } from "./Coordinator.ts"
export { runWorker, serveStages, type WorkerOptions, type WorkerStats } from "./Worker.ts"
export { JobCalls } from "./JobCalls.ts"
export { makeQueueStatus, queueStatus, type QueueStatus } from "./Status.ts"
export { limiterStoreLayer, redisConcurrencyGate, redisLayer, withGlobalLimits } from "./GlobalLimits.ts"
