import {
  fromLambdaHandler,
  type LambdaContext,
  type LambdaKinesisEvent,
  type LambdaKinesisHandler,
  placeholderStreamArn,
  toLambdaEvent,
} from '../../src/handler/lambda-adapter';
import {
  makeAggregate,
  makeBatch,
  makeHandlerContext,
  makeRecord,
  sequenceNumber,
  SHARD_ID,
} from '../helpers/records';

const STREAM_ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/orders';
const SOURCE = { region: 'eu-west-1', streamArn: STREAM_ARN };

describe('toLambdaEvent', () => {
  // Prepare
  const record = makeRecord({
    data: 'Hello, this is a test.',
    partitionKey: 'pk-1',
    sequenceNumber: sequenceNumber(42),
    approximateArrivalTimestamp: new Date('2026-03-01T12:00:00.987Z'),
  });
  // Act
  const event = toLambdaEvent([record], SOURCE);
  const entry = event.Records[0];

  describe.each([
    ['kinesis.kinesisSchemaVersion', entry?.kinesis.kinesisSchemaVersion, '1.0'],
    ['kinesis.partitionKey', entry?.kinesis.partitionKey, 'pk-1'],
    ['kinesis.sequenceNumber', entry?.kinesis.sequenceNumber, sequenceNumber(42)],
    ['kinesis.data', entry?.kinesis.data, Buffer.from('Hello, this is a test.').toString('base64')],
    ['kinesis.approximateArrivalTimestamp', entry?.kinesis.approximateArrivalTimestamp, 1772366400.987],
    ['eventSource', entry?.eventSource, 'aws:kinesis'],
    ['eventVersion', entry?.eventVersion, '1.0'],
    ['eventID', entry?.eventID, `${SHARD_ID}:${sequenceNumber(42)}`],
    ['eventName', entry?.eventName, 'aws:kinesis:record'],
    ['invokeIdentityArn', entry?.invokeIdentityArn, 'arn:aws:iam::123456789012:role/ksp'],
    ['awsRegion', entry?.awsRegion, 'eu-west-1'],
    ['eventSourceARN', entry?.eventSourceARN, STREAM_ARN],
  ])('%s', (_field, actual, expected) => {
    it(`is ${JSON.stringify(expected)}`, () => {
      // Assess
      expect(actual).toEqual(expected);
    });
  });

  it('has exactly the fields Lambda sends', () => {
    // Assess
    expect(Object.keys(event)).toEqual(['Records']);
    expect(Object.keys(entry ?? {}).sort()).toEqual(
      [
        'awsRegion',
        'eventID',
        'eventName',
        'eventSource',
        'eventSourceARN',
        'eventVersion',
        'invokeIdentityArn',
        'kinesis',
      ].sort(),
    );
    expect(Object.keys(entry?.kinesis ?? {}).sort()).toEqual(
      [
        'approximateArrivalTimestamp',
        'data',
        'kinesisSchemaVersion',
        'partitionKey',
        'sequenceNumber',
      ].sort(),
    );
  });

  it('encodes only the bytes of a Uint8Array view, not its whole buffer', () => {
    // Prepare
    const backing = new TextEncoder().encode('xxABCxx');
    const view = makeRecord({ data: backing.subarray(2, 5) });
    // Act
    const data = toLambdaEvent([view], SOURCE).Records[0]?.kinesis.data;
    // Assess
    expect(Buffer.from(data ?? '', 'base64').toString()).toBe('ABC');
  });

  it('uses the sequence number alone in eventID for user records of a KPL aggregate, as Lambda does', () => {
    // Prepare
    const aggregate = makeAggregate(3);
    // Act
    const ids = toLambdaEvent(aggregate, SOURCE).Records.map((r) => r.eventID);
    // Assess
    expect(ids).toEqual([0, 1, 2].map(() => `${SHARD_ID}:${sequenceNumber(7)}`));
  });

  it('keeps batch order and takes an explicit invoke identity', () => {
    // Prepare
    const batch = makeBatch(3);
    // Act
    const event = toLambdaEvent(batch, { ...SOURCE, invokeIdentityArn: 'arn:aws:iam::1:role/r' });
    // Assess
    expect(event.Records.map((r) => r.kinesis.sequenceNumber)).toEqual(batch.map((r) => r.sequenceNumber));
    expect(event.Records.every((r) => r.invokeIdentityArn === 'arn:aws:iam::1:role/r')).toBe(true);
  });
});

describe('fromLambdaHandler', () => {
  // Tests that time their handler switch to fake timers; the rest run on real ones.
  afterEach(() => {
    jest.useRealTimers();
  });

  const batch = makeBatch(3, (i) => (i === 1 ? { data: 'bad' } : {}));

  it('runs an async handler and passes its batchItemFailures through unchanged', async () => {
    // Prepare
    const response = { batchItemFailures: [{ itemIdentifier: sequenceNumber(2) }] };
    let seen: LambdaKinesisEvent | undefined;
    const fn: LambdaKinesisHandler = async (event) => {
      seen = event;
      return response;
    };
    // Act
    const result = await fromLambdaHandler(fn, { region: 'eu-west-1', streamArn: STREAM_ARN })(
      batch,
      makeHandlerContext(),
    );
    // Assess
    expect(result).toBe(response);
    expect(seen).toEqual(toLambdaEvent(batch, SOURCE));
  });

  it('runs a callback-style handler', async () => {
    // Prepare
    jest.useFakeTimers();
    const fn: LambdaKinesisHandler = (event, _context, callback) => {
      const failures = event.Records.filter(
        (r) => Buffer.from(r.kinesis.data, 'base64').toString() === 'bad',
      );
      setTimeout(
        () =>
          callback(null, {
            batchItemFailures: failures.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })),
          }),
        5,
      );
    };
    // Act
    const run = fromLambdaHandler(fn, { region: 'eu-west-1' })(batch, makeHandlerContext());
    await jest.advanceTimersByTimeAsync(5);
    // Assess
    await expect(run).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: sequenceNumber(2) }] });
  });

  describe.each<[string, LambdaKinesisHandler]>([
    ['callback(error)', (_e, _c, cb) => cb(new Error('db down'))],
    ['callback(string)', (_e, _c, cb) => cb('db down')],
    ['context.fail', (_e, c) => c.fail('db down')],
    ['context.done(error)', (_e, c) => c.done(new Error('db down'))],
    ['async throw', async () => Promise.reject(new Error('db down'))],
    [
      'sync throw',
      () => {
        throw new Error('db down');
      },
    ],
  ])('a failure by %s', (_how, fn) => {
    it('rejects with the error', async () => {
      // Act
      const run = fromLambdaHandler(fn, { region: 'eu-west-1' })(batch, makeHandlerContext());
      // Assess
      await expect(run).rejects.toThrow('db down');
    });
  });

  describe.each<[string, LambdaKinesisHandler, unknown]>([
    ['a string, as the AWS examples return', async () => 'Successfully processed 3 records.', undefined],
    ['an object without batchItemFailures', async () => ({ statusCode: 200 }), undefined],
    ['nothing', async () => undefined, undefined],
    ['context.succeed', (_e, c) => c.succeed({ batchItemFailures: [] }), { batchItemFailures: [] }],
    ['a sync two-parameter return', (_e, _c) => ({ batchItemFailures: null }), { batchItemFailures: null }],
  ])('a success returning %s', (_what, fn, expected) => {
    it(`resolves to ${JSON.stringify(expected)}`, async () => {
      // Act
      const result = await fromLambdaHandler(fn, { region: 'eu-west-1' })(batch, makeHandlerContext());
      // Assess
      expect(result).toEqual(expected);
    });
  });

  it('passes a Lambda-like context with a fresh request id per batch', async () => {
    // Prepare
    const contexts: LambdaContext[] = [];
    const remaining: number[] = [];
    const fn: LambdaKinesisHandler = async (_event, context) => {
      contexts.push(context);
      remaining.push(context.getRemainingTimeInMillis());
    };
    const handler = fromLambdaHandler(fn, { region: 'eu-west-1', streamArn: STREAM_ARN, timeoutMs: 60_000 });
    // Act
    await handler(batch, makeHandlerContext());
    await handler(batch, makeHandlerContext());
    // Assess
    const [first, second] = contexts;
    expect(first).toMatchObject({
      functionName: 'ksp',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:ksp',
      logGroupName: '/aws/lambda/ksp',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(first?.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second?.awsRequestId).not.toBe(first?.awsRequestId);
    expect(Number(first?.memoryLimitInMB)).toBeGreaterThan(0);
    expect(remaining[0]).toBeGreaterThan(59_000);
    expect(remaining[0]).toBeLessThanOrEqual(60_000);
  });

  it('builds the stream ARN per batch from the stream name, with a placeholder by default', async () => {
    // Prepare
    const arns: string[] = [];
    const fn: LambdaKinesisHandler = async (event) => {
      arns.push(event.Records[0]?.eventSourceARN ?? '');
    };
    // Act
    await fromLambdaHandler(fn, { region: 'eu-west-1' })(batch, makeHandlerContext());
    await fromLambdaHandler(fn, { region: 'eu-west-1', streamArn: (name) => `arn:x:${name}` })(
      batch,
      makeHandlerContext(),
    );
    // Assess
    expect(arns).toEqual([placeholderStreamArn('eu-west-1', 'orders'), 'arn:x:orders']);
    expect(arns[0]).toBe('arn:aws:kinesis:eu-west-1:000000000000:stream/orders');
  });

  it('fails like Lambda when a callback-style handler never calls back', async () => {
    // Prepare
    jest.useFakeTimers();
    const fn: LambdaKinesisHandler = (_event, _context, _callback) => undefined;
    let settled = false;
    // Act
    const run = fromLambdaHandler(fn, { region: 'eu-west-1', timeoutMs: 30 })(batch, makeHandlerContext());
    run.then(
      () => (settled = true),
      () => (settled = true),
    );
    await jest.advanceTimersByTimeAsync(29);
    const settledBeforeTimeout = settled;
    await jest.advanceTimersByTimeAsync(1);
    // Assess
    expect(settledBeforeTimeout).toBe(false);
    await expect(run).rejects.toThrow('Task timed out after 0.03 seconds');
  });

  it('stops waiting when the batch is aborted', async () => {
    // Prepare
    const controller = new AbortController();
    const fn: LambdaKinesisHandler = (_event, _context, _callback) => undefined;
    // Act
    const run = fromLambdaHandler(fn, { region: 'eu-west-1' })(
      batch,
      makeHandlerContext({ signal: controller.signal }),
    );
    controller.abort(new Error('worker shutting down'));
    // Assess
    await expect(run).rejects.toThrow('worker shutting down');
  });

  it('heartbeats for the handler while it runs, and stops after', async () => {
    // Prepare
    jest.useFakeTimers();
    const context = makeHandlerContext();
    const fn: LambdaKinesisHandler = () => new Promise((resolve) => setTimeout(resolve, 60));
    // Act
    const run = fromLambdaHandler(fn, { region: 'eu-west-1', heartbeatIntervalMs: 10 })(batch, context);
    await jest.advanceTimersByTimeAsync(60);
    await run;
    const beats = context.heartbeat.mock.calls.length;
    await jest.advanceTimersByTimeAsync(1_000);
    // Assess
    expect(beats).toBeGreaterThanOrEqual(5);
    expect(context.heartbeat.mock.calls.length).toBe(beats);
  });
});
