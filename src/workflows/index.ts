/** Every workflow the worker registers. Deterministic code only (see eslint rules for this folder). */
export { streamWorkflow } from './stream';
export { shardWorkflow } from './shard';
export { dlqReplayWorkflow } from './dlq-replay';
export { reshardWorkflow } from './reshard';
export { autoscaleWorkflow } from './autoscale';
