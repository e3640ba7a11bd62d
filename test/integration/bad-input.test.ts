/**
 * Bad input at the process edges, against the real local stack and the compiled CLI and worker:
 * every mistake is refused with a message that names it and the fix, and nothing is started,
 * consumed or checkpointed.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { streamWorkflowId } from '../../src/constants';
import { getFreePort } from '../../src/local/ports';
import { projectRoot, testOutDir } from '../../src/local/paths';
import { useIntegrationStack } from '../helpers/integration-stack';
import { waitFor } from '../helpers/wait';

const suite = useIntegrationStack('bad-input', 'kinesalite');
const outDir = path.join(testOutDir(), 'bad-input');
let streamName: string;
let dlqUrl: string;

beforeAll(async () => {
  ({ streamName, dlqUrl } = await suite.setup(1));
});

function env(over: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    TEMPORAL_ADDRESS: suite.stack.temporalAddress ?? '',
    AWS_REGION: suite.stack.region,
    AWS_ENDPOINT_URL_KINESIS: suite.stack.kinesisEndpoint,
    AWS_ENDPOINT_URL_SQS: suite.stack.sqsEndpoint,
    ...over,
  };
}

/**
 * Runs a compiled entrypoint. Asynchronously: kinesalite and fauxqs serve from this very process,
 * so a blocking spawnSync would starve them.
 */
function run(script: string[], args: string[], over: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve) => {
    execFile(
      process.execPath,
      [path.join(projectRoot(), 'dist', ...script), ...args],
      { env: env(over), encoding: 'utf8', timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

function ksp(args: string[], over: Record<string, string> = {}) {
  return run(['cli', 'main.js'], args, over);
}

async function workflowExists(id: string): Promise<boolean> {
  try {
    await suite.temporal.workflow.getHandle(id).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

describe('ksp start refuses bad input before anything starts', () => {
  it.each([
    [
      'an unknown stream',
      ['start', 'no-such-stream', '--dlq', 'DLQ'],
      {},
      /no-such-stream.*(does not exist|not found)/is,
      'no-such-stream',
    ],
    [
      'a missing DLQ',
      ['start', 'STREAM', '--dlq', 'MISSING_DLQ'],
      {},
      /dead-letter queue.*(does not exist|not found)/is,
      'STREAM',
    ],
    [
      'no DLQ while retries are finite',
      ['start', 'STREAM'],
      {},
      /--dlq: is missing while --max-attempts is 3.*Set --dlq, or set --max-attempts to 0/s,
      'STREAM',
    ],
    [
      'an invalid start position',
      ['start', 'STREAM', '--dlq', 'DLQ', '--start-position', 'YESTERDAY'],
      {},
      /--start-position.*TRIM_HORIZON/s,
      'STREAM',
    ],
    [
      'a future AT_TIMESTAMP',
      ['start', 'STREAM', '--dlq', 'DLQ', '--start-position', 'AT_TIMESTAMP=2999-01-01T00:00:00Z'],
      {},
      /--start-position: 2999-01-01T00:00:00\.000Z is in the future/s,
      'STREAM',
    ],
    [
      'a batch size of 0',
      ['start', 'STREAM', '--dlq', 'DLQ', '--batch-size', '0'],
      {},
      /--batch-size.*1 to 10000/s,
      'STREAM',
    ],
    [
      'an unknown flag',
      ['start', 'STREAM', '--bacth-size', '5'],
      {},
      /unknown option --bacth-size: did you mean --batch-size\?/s,
      'STREAM',
    ],
    [
      'a poll wait without a unit',
      ['start', 'STREAM', '--dlq', 'DLQ', '--poll-wait', '10'],
      {},
      /--poll-wait: "10" has no unit: use a unit, e.g. 10s/s,
      'STREAM',
    ],
    [
      'a poll wait of 0',
      ['start', 'STREAM', '--dlq', 'DLQ', '--poll-wait', '0s'],
      {},
      /--poll-wait: 0ms is out of range: use 1s to 1h/s,
      'STREAM',
    ],
    [
      'a batch size in hexadecimal',
      ['start', 'STREAM', '--dlq', 'DLQ', '--batch-size', '0x10'],
      {},
      /--batch-size: "0x10" is not in decimal digits: write 16/s,
      'STREAM',
    ],
  ])('%s', async (_name, args, over, message, stream) => {
    // Prepare
    const argv = args.map((a) =>
      a === 'STREAM'
        ? streamName
        : a === 'DLQ'
          ? dlqUrl
          : a === 'MISSING_DLQ'
            ? dlqUrl.replace(/[^/]+$/, 'missing-dlq')
            : a,
    );
    // Act
    const out = await ksp(argv, over);
    // Assess
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(await workflowExists(streamWorkflowId(stream === 'STREAM' ? streamName : stream))).toBe(false);
  });

  it('an unreachable Kinesis endpoint fails (exit code 1, not the usage code 2)', async () => {
    const closed = await getFreePort();
    const out = await ksp(['start', streamName, '--dlq', dlqUrl], {
      AWS_ENDPOINT_URL_KINESIS: `http://127.0.0.1:${closed}`,
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`127.0.0.1:${closed}`);
    expect(await workflowExists(streamWorkflowId(streamName))).toBe(false);
  });

  it('an invalid endpoint URL in the environment names the variable', async () => {
    const out = await ksp(['start', streamName, '--dlq', dlqUrl], {
      AWS_ENDPOINT_URL_KINESIS: 'localhost:4567',
    });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/AWS_ENDPOINT_URL_KINESIS.*not a URL/);
  });
});

describe('failures name the address in use and exit 1', () => {
  it('ksp worker with Temporal down: one line with the address, no raw transport error', async () => {
    const closed = await getFreePort();
    const out = await ksp(['worker'], {
      TEMPORAL_ADDRESS: `127.0.0.1:${closed}`,
      KSP_HANDLER: path.join(projectRoot(), 'dist', 'examples', 'jsonl-sink.js'),
      KSP_SINK_FILE: path.join(outDir, 'sink.jsonl'),
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(
      `ksp worker: cannot reach Temporal at 127.0.0.1:${closed} (namespace default): Connection refused. Start it`,
    );
    expect(out.stderr).not.toContain('tonic');
  });

  it('ksp produce to a stream that does not exist names the endpoint in use', async () => {
    const out = await ksp(['produce', 'no-such-stream', '--count', '1']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`endpoint ${suite.stack.kinesisEndpoint}`);
    expect(out.stderr).not.toContain('default AWS Kinesis endpoint');
  });
});

describe('the worker refuses a handler it cannot use', () => {
  const fixtures = path.join(outDir, 'handlers');
  beforeAll(() => {
    mkdirSync(fixtures, { recursive: true });
    writeFileSync(path.join(fixtures, 'throws.js'), "throw new Error('database password missing');\n");
    writeFileSync(path.join(fixtures, 'no-export.js'), 'exports.somethingElse = 1;\n');
  });

  it.each([
    ['a module that does not exist', 'missing.js', /missing\.js/],
    ['a module that throws while loading', 'throws.js', /database password missing/],
    ['a module without a handler export', 'no-export.js', /somethingElse/],
  ])('%s', async (_name, file, message) => {
    const out = await run(['workers', 'main.js'], [], {
      KSP_HANDLER: path.join(fixtures, file),
      KSP_TASK_QUEUE: 'bad-handler',
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(message);
  });

  it('no KSP_HANDLER at all', async () => {
    const out = await run(['workers', 'main.js'], []);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/KSP_HANDLER.*is not set/);
  });
});

describe('results on stdout (--json), progress on stderr', () => {
  it('start, status, pause, resume, produce and stop --wait print JSON that parses', async () => {
    // Prepare
    const target = await suite.setup(1);
    suite.worker(target);
    const over = { KSP_TASK_QUEUE: target.taskQueue };
    const json = async (args: string[]): Promise<Record<string, unknown>> => {
      const out = await ksp([...args, '--json'], over);
      expect({ args, code: out.code, stderr: out.code === 0 ? '' : out.stderr }).toEqual({
        args,
        code: 0,
        stderr: '',
      });
      return JSON.parse(out.stdout) as Record<string, unknown>;
    };
    const stream = target.streamName;
    const workflowId = streamWorkflowId(stream);
    // Act + Assess
    expect(await json(['start', stream, '--dlq', target.dlqUrl, '--poll-wait', '1s'])).toEqual({
      streamName: stream,
      workflowId,
      alreadyRunning: false,
    });
    const status = await waitFor(
      async () => {
        const out = await ksp(['status', stream, '--json'], over);
        if (out.code !== 0) throw new Error(out.stderr);
        return JSON.parse(out.stdout) as { streamName: string; shards: unknown[] };
      },
      { what: 'ksp status --json', timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(status).toMatchObject({ streamName: stream });
    const produced = await ksp(['produce', stream, '--count', '20', '--json'], over);
    expect(produced.code).toBe(0);
    expect(JSON.parse(produced.stdout)).toMatchObject({ written: 20, failed: 0, firstError: null });
    expect(produced.stderr).toMatch(/20 written/); // the progress line
    expect(await json(['pause', stream, '--reason', 'maintenance'])).toEqual({
      streamName: stream,
      workflowId,
      sent: 'pause',
      reason: 'maintenance',
    });
    expect(await json(['resume', stream])).toEqual({ streamName: stream, workflowId, sent: 'resume' });
    const stopped = await ksp(['stop', stream, '--wait', '--json'], over);
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toMatch(/waiting for the stream workflow to end/);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ streamName: stream, workflowId, sent: 'stop' });
    expect(JSON.parse(stopped.stdout)).toHaveProperty('result');
  });
});
