import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BatchHandler } from '../../src/handler/contract';
import { createJsonlSinkHandler, type JsonlSinkLine } from '../../src/examples/jsonl-sink';
import type * as JsonlSink from '../../src/examples/jsonl-sink';
import { makeAggregate, makeBatch, makeHandlerContext, SHARD_ID } from '../helpers/records';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ksp-sink-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function readLines(file: string): JsonlSinkLine[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as JsonlSinkLine);
}

describe('createJsonlSinkHandler', () => {
  it('appends one line per record, creating the directory', async () => {
    // Prepare
    const file = path.join(dir, 'nested', 'deeper', 'sink.jsonl');
    const batch = makeBatch(2);
    // Act
    const result = await createJsonlSinkHandler({ file })(batch, makeHandlerContext());
    // Assess
    expect(result).toBeUndefined();
    expect(readLines(file)).toEqual(
      batch.map((r, i) => ({
        key: r.idempotencyKey,
        shardId: SHARD_ID,
        partitionKey: r.partitionKey,
        sequenceNumber: r.sequenceNumber,
        data: `record-${i}`,
        arrival: r.approximateArrivalTimestamp.toISOString(),
      })),
    );
  });

  it('keeps the sub-sequence number of user records from an aggregate', async () => {
    // Prepare
    const file = path.join(dir, 'sink.jsonl');
    // Act
    await createJsonlSinkHandler({ file })(makeAggregate(2), makeHandlerContext());
    // Assess
    expect(readLines(file).map((l) => [l.key, l.subSequenceNumber])).toEqual([
      [`${SHARD_ID}:${makeAggregate(1)[0]?.sequenceNumber}:0`, 0],
      [`${SHARD_ID}:${makeAggregate(1)[0]?.sequenceNumber}:1`, 1],
    ]);
  });

  it('appends across batches with one write per batch', async () => {
    // Prepare
    const file = path.join(dir, 'sink.jsonl');
    const handler = createJsonlSinkHandler({ file });
    const append = jest.spyOn(fs.promises, 'appendFile');
    // Act
    await handler(makeBatch(3), makeHandlerContext());
    await handler(makeBatch(2), makeHandlerContext());
    // Assess
    expect(append).toHaveBeenCalledTimes(2);
    expect(readLines(file)).toHaveLength(5);
    append.mockRestore();
  });

  describe.each([
    ['a plain pattern', /poison/],
    ['a global pattern (stateful test() must not skip matches)', /poison/g],
  ])('with %s', (_what, poisonPattern) => {
    it('writes the good records and reports the poison ones by idempotency key', async () => {
      // Prepare
      const file = path.join(dir, 'sink.jsonl');
      const batch = makeBatch(5, (i) => (i === 1 || i === 2 ? { data: `poison-${i}` } : {}));
      // Act
      const result = await createJsonlSinkHandler({ file, poisonPattern })(batch, makeHandlerContext());
      // Assess
      expect(result).toEqual({
        batchItemFailures: [
          { itemIdentifier: batch[1]?.idempotencyKey },
          { itemIdentifier: batch[2]?.idempotencyKey },
        ],
      });
      expect(readLines(file).map((l) => l.data)).toEqual(['record-0', 'record-3', 'record-4']);
    });
  });

  it('writes nothing when every record is poison', async () => {
    // Prepare
    const file = path.join(dir, 'sink.jsonl');
    // Act
    const result = await createJsonlSinkHandler({ file, poisonPattern: /./ })(
      makeBatch(2),
      makeHandlerContext(),
    );
    // Assess
    expect(result?.batchItemFailures).toHaveLength(2);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('handler (configured from the environment)', () => {
  describe.each<[string, { KSP_SINK_FILE?: string; KSP_SINK_POISON?: string }, string, number]>([
    [
      'KSP_SINK_FILE and KSP_SINK_POISON',
      { KSP_SINK_FILE: 'custom/out.jsonl', KSP_SINK_POISON: '^record-1$' },
      'custom/out.jsonl',
      1,
    ],
    ['no variables', {}, '.data/sink.jsonl', 0],
  ])('with %s', (_what, env, relativeFile, failures) => {
    it('reads them when the module loads', async () => {
      // Prepare
      const saved = { ...process.env };
      const cwd = jest.spyOn(process, 'cwd').mockReturnValue(dir);
      delete process.env.KSP_SINK_FILE;
      delete process.env.KSP_SINK_POISON;
      Object.assign(
        process.env,
        env,
        env.KSP_SINK_FILE ? { KSP_SINK_FILE: path.join(dir, env.KSP_SINK_FILE) } : {},
      );
      // Act: a fresh copy of the module, so its top level runs under this environment.
      let handler: BatchHandler | undefined;
      jest.isolateModules(() => {
        handler = (require('../../src/examples/jsonl-sink') as typeof JsonlSink).handler;
      });
      const result = await handler?.(makeBatch(2), makeHandlerContext());
      process.env = saved;
      cwd.mockRestore();
      // Assess
      expect(readLines(path.join(dir, relativeFile))).toHaveLength(2 - failures);
      expect(result?.batchItemFailures?.length ?? 0).toBe(failures);
    });
  });
});
