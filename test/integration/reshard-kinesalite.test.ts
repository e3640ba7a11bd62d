/**
 * Resharding under continuous writes on the whole local stack with kinesalite, which has neither
 * UpdateShardCount nor ChildShards: the reshard workflow makes the equivalent SplitShard/MergeShards
 * calls and the stream workflow finds children by ListShards parent links. The scenario and its
 * checks: test/helpers/reshard-under-load.ts.
 */
import { useIntegrationStack } from '../helpers/integration-stack';
import { reshardUnderLoad, widest } from '../helpers/reshard-under-load';

const suite = useIntegrationStack('reshard-kinesalite', 'kinesalite');

test('kinesalite: 4 → 8 → 3 by SplitShard/MergeShards and an explicit split, without ChildShards, loses nothing and keeps order', async () => {
  const results = await reshardUnderLoad(suite, 'kinesalite', [
    { kind: 'count', targetShardCount: 8 },
    { kind: 'count', targetShardCount: 3, allowMultipleSteps: true },
    (previous) => ({ kind: 'split', shardId: widest(previous.after).shardId }),
  ]);
  expect(results.flatMap((r) => r.steps.map((s) => [s.from, s.to, s.method, s.calls.length]))).toEqual([
    [4, 8, 'SplitShard', 4],
    [8, 4, 'MergeShards', 4],
    [4, 3, 'MergeShards', 1],
    [3, 4, 'SplitShard', 1],
  ]);
});
