/**
 * `ksp produce` end to end on kinesalite: the summary it prints, the records it writes, and the
 * flags it refuses.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { type CliContext, createCliContext } from '../../src/cli/context';
import { produceCommand } from '../../src/cli/commands/produce';
import type { KinesisEmulator } from '../../src/local/kinesis-emulator';
import { createStream, kinesisClientFor, startKinesis, uniqueName } from '../helpers/kinesis';
import { PutRecordsFaults, readStream } from '../helpers/put-faults';

let emulator: KinesisEmulator;
let kinesis: KinesisClient;
let ctx: CliContext;

beforeAll(async () => {
  emulator = await startKinesis('kinesalite');
  kinesis = kinesisClientFor(emulator.endpoint);
  ctx = createCliContext({ AWS_ENDPOINT_URL_KINESIS: emulator.endpoint });
});

afterAll(async () => {
  await ctx?.close();
  kinesis?.destroy();
  await emulator?.stop();
});

/** Runs the command, returning what it printed with console.log. */
async function run(argv: string[]): Promise<string> {
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.join(' '));
  });
  try {
    await produceCommand(ctx, argv);
  } finally {
    log.mockRestore();
  }
  return lines.join('\n');
}

test.each([
  ['plain', []],
  ['aggregated', ['--aggregate', '--aggregate-bytes', '2048']],
])('ksp produce --count 400 (%s): writes the records and prints the summary', async (_what, extra) => {
  // Prepare
  const streamName = uniqueName('produce-cli');
  await createStream(kinesis, streamName, 2);
  // Act
  const out = await run([
    streamName,
    '--rate',
    'max',
    '--count',
    '400',
    '--keys',
    '20',
    '--size',
    '200',
    ...extra,
  ]);
  // Assess
  expect(out).toMatch(/wrote 400 records \(0\.\d+ MB\) in [\d.]+s: [\d,]+ records\/s, [\d.]+ MB\/s/);
  expect(out).toMatch(
    /PutRecords calls \d+ \([\d.]+ records per call, [\d,]+ Kinesis records\), retries 0, throttles 0, failed 0/,
  );
  expect(out).toMatch(/put latency p50 [\d.]+ ms, p99 [\d.]+ ms/);
  const records = await readStream(kinesis, streamName);
  expect(records).toHaveLength(400);
  expect(records.every((r) => r.data.length === 200)).toBe(true);
  const first = JSON.parse(records[0]?.data ?? '{}') as { key: string; n: number; at: string };
  expect(Object.keys(first)).toEqual(['key', 'n', 'at']);
  expect(records.some((r) => r.subSequenceNumber !== undefined)).toBe(extra.length > 0);
});

test('--duration runs for that long at the given rate', async () => {
  const streamName = uniqueName('produce-cli-duration');
  await createStream(kinesis, streamName, 1);
  const started = Date.now();
  const out = await run([streamName, '--rate', '200', '--duration', '1s']);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  const written = Number(/wrote (\d+) records/.exec(out)?.[1]);
  expect(written).toBeGreaterThanOrEqual(150);
  expect(written).toBeLessThanOrEqual(210);
});

test.each([
  [['s', '--duration', 'soon'], /--duration: "soon" is not a duration/],
  [['s', '--aggregate-bytes', '4096'], /--aggregate-bytes: only applies with --aggregate/],
  [['s', '--rate', 'fast'], /--rate: "fast" is invalid/],
  [['s', '--size', '2000000'], /--size: "2000000" is invalid/],
])('refuses %j', async (argv, message) => {
  await expect(run(argv)).rejects.toThrow(message);
});

test('records refused for good: summary on stdout, the failure on stderr, exit code 1', async () => {
  // Prepare
  const streamName = uniqueName('produce-fails');
  await createStream(kinesis, streamName, 1);
  new PutRecordsFaults(ctx.kinesis(), {
    failEntry: (entry) => entry.PartitionKey === 'key-3',
    entryErrorCode: 'KMSAccessDeniedException',
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const log = jest
    .spyOn(console, 'log')
    .mockImplementation((...a: unknown[]) => void stdout.push(a.join(' ')));
  const error = jest
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void stderr.push(a.join(' ')));
  // Act
  let code: number;
  try {
    code = await produceCommand(ctx, [streamName, '--rate', 'max', '--count', '10', '--keys', '5', '--json']);
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
  // Assess
  expect(code).toBe(1);
  const summary = JSON.parse(stdout.join('\n')) as { written: number; failed: number; firstError: string };
  expect(summary.failed).toBeGreaterThan(0);
  expect(summary.written).toBeGreaterThan(0);
  expect(summary.firstError).toContain('KMSAccessDeniedException');
  expect(stderr.at(-1)).toMatch(/^\d+ records failed for good; the first: .*KMSAccessDeniedException/);
  expect(stderr.join('\n')).not.toContain('default AWS Kinesis endpoint');
});
