/**
 * A handler that accepts every batch and does nothing: what the RSS benchmark's worker process
 * loads (`KSP_HANDLER=dist/bench/noop-handler.js`) so its memory is the worker's own.
 */
import type { BatchHandler } from '../src/handler/contract';

export const handler: BatchHandler = async () => undefined;
