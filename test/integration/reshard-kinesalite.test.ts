/**
 * Resharding under continuous writes on the whole local stack with kinesalite, which has neither
 * UpdateShardCount nor ChildShards: the reshard workflow makes the equivalent SplitShard/MergeShards
 * calls and the stream workflow finds children by ListShards parent links. The scenario and its
 * checks: test/helpers/reshard-under-load.ts. The ksp reshard / autoscale commands run here too.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { startStream } from '../../src/client/stream-control';
import { projectRoot } from '../../src/local/paths';
import { compileStreamOptions } from '../../src/config/stream-options';
import { useIntegrationStack } from '../helpers/integration-stack';
import { reshardUnderLoad, widest } from '../helpers/reshard-under-load';
import { waitFor } from '../helpers/wait';

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

/** Runs the compiled `ksp` asynchronously (kinesalite serves from this very process). */
function ksp(args: string[], taskQueue: string) {
  const stack = suite.stack;
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [path.join(projectRoot(), 'dist', 'cli', 'main.js'), ...args],
      {
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          PATH: process.env.PATH,
          TEMPORAL_ADDRESS: stack.temporalAddress ?? '',
          KSP_TASK_QUEUE: taskQueue,
          AWS_REGION: stack.region,
          AWS_ENDPOINT_URL_KINESIS: stack.kinesisEndpoint,
          AWS_ENDPOINT_URL_SQS: stack.sqsEndpoint,
        },
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

test('the ksp reshard and ksp autoscale commands, as the README shows them', async () => {
  // Prepare: a consumed 1-shard stream.
  const t = await suite.setup(1);
  suite.worker(t);
  const options = compileStreamOptions({
    streamName: t.streamName,
    dlqQueueUrl: t.dlqUrl,
    maxPollWait: '2s',
  });
  await startStream(suite.temporal, t.taskQueue, { options });
  const s = t.streamName;
  // Act + Assess: a reshard, waited for, reports what it did.
  const up = await ksp(['reshard', s, '--to', '2', '--wait'], t.taskQueue);
  expect(up).toMatchObject({ code: 0, stderr: '' });
  expect(up.stdout).toMatch(new RegExp(`^resharded ${s} \\(to 2 shards\\): 1 → 2 open shards in `));
  expect(up.stdout).toMatch(
    /step 1: 1 → 2 by SplitShard \(1 call, ACTIVE at .*\n {4}SplitShard shardId-000000000000 at \d+: ACTIVE after/,
  );
  expect(up.stdout).toMatch(/note: the backend has no UpdateShardCount/);
  // A limit refuses with exit code 2 and says what is allowed; --status shows that last reshard.
  const refused = await ksp(['reshard', s, '--to', '5'], t.taskQueue);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(
    /ksp reshard: one UpdateShardCount call may take stream .* from 2 open shards to 1–4/,
  );
  const status = await ksp(['reshard', s, '--status'], t.taskQueue);
  expect(status.stdout).toMatch(
    /^the last reshard of .* did not complete: one UpdateShardCount call may take/,
  );
  // Autoscale in dry run: start, a second start refused, decisions listed, stop.
  const flags = ['--max', '4', '--sample', '1s', '--up-window', '2s', '--down-window', '2s', '--dry-run'];
  expect(await ksp(['autoscale', s, ...flags], t.taskQueue)).toMatchObject({
    code: 0,
    stdout: expect.stringMatching(/^autoscaling .* between 1 and 4 shards/) as unknown,
  });
  const again = await ksp(['autoscale', s, ...flags], t.taskQueue);
  expect(again.code).toBe(2);
  expect(again.stderr).toMatch(/is already autoscaled .* stop it first/);
  const decisions = await waitFor(
    async () => {
      const out = await ksp(['autoscale', s, '--status'], t.taskQueue);
      return /utilisation|no load measured|below/.test(out.stdout) ? out.stdout : null;
    },
    { timeoutMs: 20_000, intervalMs: 500, what: 'autoscale decisions with reasons' },
  );
  expect(decisions).toMatch(/^autoscale .*: running \(dry run\), 1–4 shards/);
  const stopped = await ksp(['autoscale', s, '--stop'], t.taskQueue);
  expect(stopped).toMatchObject({
    code: 0,
    stdout: expect.stringMatching(/^stopped autoscaling .* after \d+ decisions/) as unknown,
  });
});
