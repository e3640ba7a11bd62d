/**
 * The Temporal CLI as a first-class client (DESIGN.md rule 11), on the real local stack with the
 * provisioned `temporal` binary: a stream started by `temporal workflow start` with the JSON a
 * user writes in `--config` is consumed by the worker and listed under its KspStream search
 * attribute; a bad input fails the workflow at once, the CLI's own output naming the field; an
 * autoscaler started the same way answers `update execute --name stop` and rejects one with input.
 */
import { execFile } from 'node:child_process';
import { resolveTemporalBin } from '../../src/local/paths';
import { DEFAULT_NAMESPACE, streamWorkflowId } from '../../src/constants';
import { useIntegrationStack } from '../helpers/integration-stack';
import { produce, sinkHolds } from '../helpers/pipeline';
import { waitFor } from '../helpers/wait';

const suite = useIntegrationStack('temporal-cli', 'kinesalite');

/**
 * Runs the provisioned `temporal` CLI against the stack's dev server. Asynchronously: kinesalite
 * and fauxqs serve from this very process, so a blocking spawnSync would starve them.
 */
function temporal(args: string[]): Promise<{ code: number; output: string }> {
  const address = ['--address', suite.stack.temporalAddress ?? '', '--namespace', DEFAULT_NAMESPACE];
  return new Promise((resolve) => {
    execFile(
      resolveTemporalBin(),
      [...args, ...address],
      { encoding: 'utf8', timeout: 30_000, env: { PATH: process.env.PATH, HOME: process.env.HOME } },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: stdout + stderr }),
    );
  });
}

/** `temporal workflow start` of a stream workflow with `input` as JSON, as the README shows it. */
function startStreamByCli(taskQueue: string, workflowId: string, input: unknown) {
  return temporal([
    'workflow',
    'start',
    '--type',
    'streamWorkflow',
    '--task-queue',
    taskQueue,
    '--workflow-id',
    workflowId,
    '--id-conflict-policy',
    'UseExisting', // starting a running stream is a no-op
    '--input',
    JSON.stringify(input),
  ]);
}

test('a stream started by `temporal workflow start` with raw JSON is consumed and listed by KspStream', async () => {
  // Prepare
  const target = await suite.setup(1);
  suite.worker(target);
  const { streamName, dlqUrl, taskQueue } = target;
  const workflowId = streamWorkflowId(streamName);
  const raw = {
    options: {
      streamName,
      dlqQueueUrl: dlqUrl,
      maxPollWait: '2s',
      idlePollInterval: '200ms',
      retry: { maximumAttempts: 2 },
    },
  };
  // Act
  const started = await startStreamByCli(taskQueue, workflowId, raw);
  expect(started).toMatchObject({ code: 0 });
  await produce(suite.kinesis, streamName, 40, 4);
  // Assess
  await sinkHolds(target.sinkFile, 40, 'the 40 records handled');
  const query = `KspStream="${streamName}" AND WorkflowType="streamWorkflow"`;
  await waitFor(
    async () => {
      const listed = await temporal(['workflow', 'list', '--query', query, '--output', 'json']);
      return listed.code === 0 && listed.output.includes(workflowId);
    },
    { what: `${workflowId} listed by ${query}`, timeoutMs: 20_000, intervalMs: 500 },
  );
  const described = await temporal(['workflow', 'describe', '--workflow-id', workflowId, '--output', 'json']);
  expect(described.output).toContain('"status": "WORKFLOW_EXECUTION_STATUS_RUNNING"');
  await temporal(['workflow', 'terminate', '--workflow-id', workflowId, '--reason', 'test over']);
});

test('a bad raw input fails the workflow at once, and the CLI shows the field and the fix', async () => {
  // Prepare: a worker, and an input no compile step accepts.
  const target = await suite.setup(1);
  suite.worker(target);
  const workflowId = `${streamWorkflowId(target.streamName)}-bad`;
  const raw = { options: { streamName: target.streamName, dlqQueueUrl: target.dlqUrl, batchSize: 0 } };
  // Act
  const started = await startStreamByCli(target.taskQueue, workflowId, raw);
  expect(started).toMatchObject({ code: 0 });
  const result = await temporal(['workflow', 'result', '--workflow-id', workflowId]);
  // Assess
  expect(result.code).not.toBe(0);
  expect(result.output).toContain(
    'streamWorkflow input: options.batchSize: 0 is invalid: use a whole number from 1 to 10000',
  );
  const described = await temporal(['workflow', 'describe', '--workflow-id', workflowId, '--output', 'json']);
  expect(described.output).toContain('WORKFLOW_EXECUTION_STATUS_FAILED');
  // Failed by the workflow itself, typed and non-retryable, not by a workflow task failing in a loop.
  const history = await temporal(['workflow', 'show', '--workflow-id', workflowId, '--output', 'json']);
  expect(history.output).toContain('"type": "KspConfigError"');
  expect(history.output).toContain('"nonRetryable": true');
  expect(history.output).toMatch(/WORKFLOW_EXECUTION_FAILED|WorkflowExecutionFailed/);
  expect(history.output).not.toMatch(/WORKFLOW_TASK_FAILED|WorkflowTaskFailed/);
});

test('autoscaling started by the CLI with raw JSON answers its stop Update; one with input is rejected', async () => {
  // Prepare: the README's start line, on this test's task queue.
  const target = await suite.setup(1);
  suite.worker(target);
  const workflowId = `ksp:${target.streamName}:autoscale`;
  const raw = { options: { streamName: target.streamName, maxShards: 2, sampleInterval: '1s' } };
  const started = await temporal([
    'workflow',
    'start',
    '--type',
    'autoscaleWorkflow',
    '--task-queue',
    target.taskQueue,
    '--workflow-id',
    workflowId,
    '--id-conflict-policy',
    'Fail',
    '--input',
    JSON.stringify(raw),
  ]);
  expect(started).toMatchObject({ code: 0 });
  const update = (...input: string[]) =>
    temporal([
      'workflow',
      'update',
      'execute',
      '--workflow-id',
      workflowId,
      '--name',
      'stop',
      '-o',
      'json',
      ...input,
    ]);
  // Act
  const rejected = await update('--input', '"now"');
  const stopped = await update();
  // Assess
  expect(rejected.code).not.toBe(0);
  expect(rejected.output).toContain('`stop` takes no input, got "now": send it without --input');
  expect(stopped).toMatchObject({ code: 0 });
  expect(stopped.output).toMatch(/"state":\s*"stopping"/);
  const result = await temporal(['workflow', 'result', '--workflow-id', workflowId]);
  expect(result).toMatchObject({ code: 0 });
});
