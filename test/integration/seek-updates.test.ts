/**
 * Live seek and the stream's Updates driven by the real, provisioned `temporal` binary against the
 * local stack (dev server, kinesis-local, fauxqs, a worker child process): `temporal workflow
 * update execute` answers with the new state, a bad request is refused without entering history,
 * and a rewind re-delivers the records.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startStream, streamHandle } from '../../src/client/stream-control';
import { resolveTemporalBin } from '../../src/local/paths';
import type { StreamStatus } from '../../src/workflows/stream-messages';
import { fastPollOptions, produce, readSink, sinkHolds } from '../helpers/pipeline';
import { useIntegrationStack } from '../helpers/integration-stack';
import { waitFor } from '../helpers/wait';

const suite = useIntegrationStack('seek-updates', 'kinesis-local');
const run = promisify(execFile);

/** `temporal workflow update execute` on the stream workflow; its result, or the CLI's error. */
async function update(
  streamName: string,
  name: string,
  input?: unknown,
): Promise<{ ok: true; result: StreamStatus } | { ok: false; error: string }> {
  const args = [
    'workflow',
    'update',
    'execute',
    '--address',
    suite.stack.temporalAddress ?? '',
    '--namespace',
    'default',
    '--workflow-id',
    `ksp:${streamName}`,
    '--name',
    name,
    '-o',
    'json',
    ...(input === undefined ? [] : ['--input', JSON.stringify(input)]),
  ];
  try {
    const { stdout } = await run(resolveTemporalBin(), args, { timeout: 30_000 });
    const out = JSON.parse(stdout) as { result?: StreamStatus };
    return { ok: true, result: out.result ?? (out as unknown as StreamStatus) };
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    return { ok: false, error: `${e.stderr ?? ''}${e.stdout ?? ''}${e.message}` };
  }
}

test('temporal workflow update execute: pause, seek and resume answer with the new state; a rewind re-delivers', async () => {
  const t = await suite.setup(1);
  await produce(suite.kinesis, t.streamName, 20, 5);
  suite.worker(t);
  await startStream(suite.temporal, t.taskQueue, { options: fastPollOptions(t, { batchSize: 100 }) });
  await sinkHolds(t.sinkFile, 20, '20 records handled');

  const paused = await update(t.streamName, 'pause', { reason: 'rewinding after a fix' });
  expect(paused).toMatchObject({ ok: true, result: { state: 'paused' } });

  const refused = await update(t.streamName, 'seek', { position: { type: 'SOMEWHERE' } });
  expect(refused.ok).toBe(false);
  expect(!refused.ok && refused.error).toMatch(/position\.type/);

  const sought = await update(t.streamName, 'seek', {
    position: { type: 'TRIM_HORIZON' },
    requestedBy: 'integration test',
  });
  expect(sought).toMatchObject({
    ok: true,
    result: { state: 'paused', lastSeek: { requestedBy: 'integration test', to: { type: 'TRIM_HORIZON' } } },
  });
  expect(readSink(t.sinkFile)).toHaveLength(20); // paused: nothing re-read yet

  const resumed = await update(t.streamName, 'resume');
  expect(resumed).toMatchObject({ ok: true, result: { state: 'running' } });
  await waitFor(() => readSink(t.sinkFile).length >= 40, { timeoutMs: 30_000, what: 'the 20 records again' });
  const lines = readSink(t.sinkFile);
  expect(new Set(lines.map((l) => l.key)).size).toBe(20);
  expect(lines).toHaveLength(40);

  // Nothing refused entered history: only the three accepted Updates.
  const history = await streamHandle(suite.temporal, t.streamName).fetchHistory();
  const accepted = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
  expect(accepted).toHaveLength(3);

  const stopped = await update(t.streamName, 'stop');
  expect(stopped.ok && stopped.result.state).toMatch(/^stopp/);
});
