/**
 * `kinesis-stream-processor/worker`: run ksp's workflows and activities in your own process
 * (ksp's `ksp worker` does the same from the environment, see `main.ts`). Separate from the main
 * entry because it loads Temporal's native worker runtime.
 */
export { type KspWorkerOptions, createKspWorker } from './worker';
export { connectNative } from './temporal-connection';
export { KspWorker } from './ksp-worker';
