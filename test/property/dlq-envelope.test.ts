/**
 * The DLQ envelope on random and mutated input. Building then parsing gives every record back, in
 * order, exactly once across the parts; and whatever a queue holds (garbage, a corrupted byte, an
 * edited field), `parseDlqMessage` never throws: it returns the envelope or its documented
 * `{ ok: false, problem, reason }`, and never accepts an envelope that lost a record.
 */
import fc from 'fast-check';
import {
  DLQ_CONDITIONS,
  type DlqBatchInput,
  type DlqEnvelope,
  type ParseDlqResult,
  buildDlqMessages,
  decodeDlqRecords,
  parseDlqMessage,
} from '../../src/dlq/envelope';
import { type KinesisRecord, idempotencyKey } from '../../src/records';
import { applyEdits, byteEdits } from '../helpers/arbitraries';

const RUNS = { numRuns: 150 };
const PROBLEMS = ['not-json', 'foreign', 'unknown-version', 'invalid'];
const SHARD = 'shardId-000000000001';
const STREAM = 'orders';

/** A failed batch of 1–12 records of one shard: any bytes, keys and hash keys, increasing sequence numbers. */
const failedBatch: fc.Arbitrary<DlqBatchInput> = fc
  .record({
    records: fc.array(
      fc.record({
        data: fc.uint8Array({ maxLength: 3_000, size: 'max' }),
        partitionKey: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
        subSequenceNumber: fc.option(fc.nat({ max: 1_000 }), { nil: undefined }),
        explicitHashKey: fc.option(fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map(String), {
          nil: undefined,
        }),
        arrival: fc.date({ noInvalidDate: true }),
      }),
      { minLength: 1, maxLength: 12 },
    ),
    firstSequence: fc.bigInt({ min: 1n, max: 10n ** 55n }),
    condition: fc.constantFrom(...DLQ_CONDITIONS),
    error: fc.record({
      type: fc.string({ maxLength: 30 }),
      message: fc.string({ unit: 'binary', maxLength: 300 }),
      stack: fc.string({ maxLength: 300 }),
    }),
    attempts: fc.nat({ max: 20 }),
    handler: fc.string({ maxLength: 60 }),
  })
  .map(({ records, firstSequence, ...rest }) => ({
    ...rest,
    streamName: STREAM,
    shardId: SHARD,
    streamArn: `arn:aws:kinesis:us-east-1:123456789012:stream/${STREAM}`,
    now: new Date('2026-12-01T12:00:00Z'),
    records: records.map(({ arrival, ...r }, i): KinesisRecord => {
      const sequenceNumber = String(firstSequence + BigInt(i));
      return {
        ...r,
        sequenceNumber,
        approximateArrivalTimestamp: arrival,
        shardId: SHARD,
        streamName: STREAM,
        idempotencyKey: idempotencyKey(SHARD, sequenceNumber, r.subSequenceNumber),
      };
    }),
  }));

/** Sizes from one that forces a message per record (and metadata-only ones) up to the SQS limit. */
const maxMessageBytes = fc.oneof(fc.integer({ min: 4_000, max: 20_000 }), fc.constant(1_048_576));

/** What a record looks like once read back; comparable with toEqual. */
function comparable(r: KinesisRecord) {
  return { ...r, data: Buffer.from(r.data).toString('hex'), at: r.approximateArrivalTimestamp.getTime() };
}

/** A parse result is one of the documented shapes; an accepted envelope keeps all its records. */
function expectDocumentedResult(result: ParseDlqResult): DlqEnvelope | null {
  if (!result.ok) {
    expect(PROBLEMS).toContain(result.problem);
    expect(result.reason).toEqual(expect.any(String));
    expect(result.reason.length).toBeGreaterThan(0);
    if (result.problem === 'invalid') expect(result.reason).toMatch(/field "[^"]+"/);
    return null;
  }
  const { envelope } = result;
  const decoded = decodeDlqRecords(envelope);
  expect(decoded).toHaveLength(envelope.recordsIncluded ? envelope.KinesisBatchInfo.batchSize : 0);
  for (const r of decoded) expect(Number.isNaN(r.approximateArrivalTimestamp.getTime())).toBe(false);
  return envelope;
}

describe('DLQ envelope', () => {
  it('build → parse gives every record back, in order, once, across the parts', () => {
    fc.assert(
      fc.property(failedBatch, maxMessageBytes, (input, limit) => {
        const messages = buildDlqMessages(input, { maxMessageBytes: limit });
        let next = 0; // the first record no part has given back yet
        messages.forEach((message, index) => {
          const envelope = expectDocumentedResult(parseDlqMessage(message.body));
          expect(envelope?.part).toEqual({ index, count: messages.length });
          if (envelope?.recordsIncluded) {
            const decoded = decodeDlqRecords(envelope).map(comparable);
            expect(decoded).toEqual(input.records.slice(next, next + decoded.length).map(comparable));
            next += decoded.length;
          } else {
            // Metadata only: it names exactly the one record too large to travel.
            const record = input.records[next]!;
            expect(envelope?.KinesisBatchInfo).toMatchObject({
              batchSize: 1,
              startSequenceNumber: record.sequenceNumber,
              endSequenceNumber: record.sequenceNumber,
            });
            next += 1;
          }
        });
        expect(next).toBe(input.records.length);
      }),
      RUNS,
    );
  });

  it('never throws on arbitrary text, and answers with a documented problem', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.json()), (body) => {
        expectDocumentedResult(parseDlqMessage(body));
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on a corrupted body, and never accepts one that lost a record', () => {
    fc.assert(
      fc.property(failedBatch, byteEdits, (input, edits) => {
        const [message] = buildDlqMessages(input, { maxMessageBytes: 1_048_576 });
        const bytes = applyEdits(new TextEncoder().encode(message!.body), edits);
        const envelope = expectDocumentedResult(parseDlqMessage(new TextDecoder().decode(bytes)));
        if (envelope) expect(decodeDlqRecords(envelope)).toHaveLength(input.records.length);
      }),
      RUNS,
    );
  });

  it('rejects an envelope with a field removed or replaced by another JSON value, unless no record is lost', () => {
    fc.assert(
      fc.property(
        failedBatch,
        fc.nat(),
        fc.oneof(fc.constant(undefined), fc.jsonValue()),
        (input, pick, value) => {
          const [message] = buildDlqMessages(input, { maxMessageBytes: 1_048_576 });
          const body = JSON.parse(message!.body) as Record<string, unknown>;
          const paths = leafPaths(body);
          const path = paths[pick % paths.length]!;
          setPath(body, path, value);
          const envelope = expectDocumentedResult(parseDlqMessage(JSON.stringify(body)));
          if (envelope) expect(decodeDlqRecords(envelope)).toHaveLength(input.records.length);
        },
      ),
      RUNS,
    );
  });

  it('rejects an envelope that dropped or repeated a record', () => {
    fc.assert(
      fc.property(failedBatch, fc.nat(), fc.boolean(), (input, pick, drop) => {
        const [message] = buildDlqMessages(input, { maxMessageBytes: 1_048_576 });
        const body = JSON.parse(message!.body) as { records: unknown[] };
        const i = pick % body.records.length;
        if (drop) body.records.splice(i, 1);
        else body.records.splice(i, 0, body.records[i]);
        const result = parseDlqMessage(JSON.stringify(body));
        expect(result.ok).toBe(false);
        if (!result.ok)
          expect([result.problem, result.reason]).toEqual(['invalid', expect.stringMatching(/"records"/)]);
      }),
      RUNS,
    );
  });
});

/** Every path to a value in `root` (objects and arrays walked, the containers included). */
function leafPaths(root: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(root)) root.forEach((v, i) => out.push(...leafPaths(v, [...prefix, i])));
  else if (typeof root === 'object' && root !== null) {
    for (const [k, v] of Object.entries(root)) out.push(...leafPaths(v, [...prefix, k]));
  }
  return out;
}

/** Sets (or, for undefined, deletes) the value at `path`. */
function setPath(root: Record<string, unknown>, path: ReadonlyArray<string | number>, value: unknown): void {
  let node: Record<string | number, unknown> = root;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
}
