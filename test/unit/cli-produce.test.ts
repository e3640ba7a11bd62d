/**
 * `ksp produce` exits 1 when records failed for good (the code used to be overwritten with 0), on
 * kinesalite with entries refused by injected PutRecords faults; the summary still goes to stdout.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { produceCommand } from '../../src/cli/commands/produce';
import { type CliContext, createCliContext } from '../../src/cli/context';
import type { KinesisEmulator } from '../../src/local/kinesis-emulator';
import { createStream, kinesisClientFor, startKinesis, uniqueName } from '../helpers/kinesis';
import { PutRecordsFaults } from '../helpers/put-faults';

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
