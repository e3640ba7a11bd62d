/**
 * Resharding under continuous writes on the whole local stack with kinesis-local: UpdateShardCount,
 * ChildShards at each parent's end. The scenario and its checks: test/helpers/reshard-under-load.ts.
 */
import { useIntegrationStack } from '../helpers/integration-stack';
import { reshardUnderLoad } from '../helpers/reshard-under-load';

const suite = useIntegrationStack('reshard-kinesis-local', 'kinesis-local');

test('kinesis-local: 4 → 8 → 3 by UpdateShardCount under continuous writes loses nothing and keeps per-key order across every edge', async () => {
  const results = await reshardUnderLoad(suite, 'kinesis-local', [
    { kind: 'count', targetShardCount: 8 },
    { kind: 'count', targetShardCount: 3, allowMultipleSteps: true },
  ]);
  expect(results.flatMap((r) => r.steps.map((s) => [s.from, s.to, s.method, s.calls.length]))).toEqual([
    [4, 8, 'UpdateShardCount', 1],
    [8, 4, 'UpdateShardCount', 1],
    [4, 3, 'UpdateShardCount', 1],
  ]);
});
