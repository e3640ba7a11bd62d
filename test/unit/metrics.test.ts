import { Writable } from 'node:stream';
import { recordBatchMetrics, recordReadEvent } from '../../src/activities/shard/batch-metrics';
import { METRICS, exportedName } from '../../src/metrics/catalog';
import { EmfSink } from '../../src/metrics/emf';
import { KspMetrics, fanOutMeter } from '../../src/metrics/recorder';
import { createJsonLogger, streamAndShard } from '../../src/workers/json-logger';
import { readTelemetryConfig } from '../../src/workers/telemetry';

const SHARD = { stream: 'orders', shard: 'shardId-000000000001' };

function emf(): { sink: EmfSink; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new EmfSink({
    namespace: 'ksp',
    intervalMs: 3_600_000,
    write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
    now: () => 1_000,
  });
  return { sink, lines };
}

describe('metric catalog', () => {
  it('uses Prometheus names: ksp_ prefix, snake case, _total counters, unit-suffixed histograms', () => {
    for (const spec of Object.values(METRICS)) {
      expect(spec.name).toMatch(/^ksp_[a-z_]+$/);
      expect(spec.labels).not.toContain('partitionKey');
    }
    expect(exportedName(METRICS.recordsHandled)).toBe('ksp_records_handled_total');
    expect(exportedName(METRICS.handlerDuration)).toBe('ksp_handler_duration_seconds');
    expect(exportedName(METRICS.iteratorAge)).toBe('ksp_iterator_age_seconds');
  });
});

describe('CloudWatch EMF sink', () => {
  it('writes one document per label set: counter sums, last gauge value, histogram values', () => {
    // Prepare
    const { sink, lines } = emf();
    const metrics = new KspMetrics(sink.meter());
    // Act
    metrics.count('recordsHandled', 3, SHARD);
    metrics.count('recordsHandled', 2, SHARD);
    metrics.set('iteratorAge', 5, SHARD);
    metrics.set('iteratorAge', 1.5, SHARD);
    metrics.observe('handlerDuration', 0.25, SHARD);
    metrics.observe('handlerDuration', 0.25, SHARD);
    metrics.count('recordsHandled', 7, { stream: 'orders', shard: 'shardId-000000000002' });
    sink.flush();
    // Assess
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({
      _aws: {
        Timestamp: 1_000,
        CloudWatchMetrics: [
          {
            Namespace: 'ksp',
            Dimensions: [['shard', 'stream'], ['stream']],
            Metrics: [
              { Name: 'ksp_records_handled', Unit: 'Count' },
              { Name: 'ksp_iterator_age_seconds', Unit: 'Seconds' },
              { Name: 'ksp_handler_duration', Unit: 'Seconds' },
            ],
          },
        ],
      },
      stream: 'orders',
      shard: 'shardId-000000000001',
      ksp_records_handled: 5,
      ksp_iterator_age_seconds: 1.5,
      ksp_handler_duration: { Values: [0.25], Counts: [2] },
    });
  });

  it('sends counters as the sum since the last flush and skips series with nothing new', () => {
    const { sink, lines } = emf();
    const metrics = new KspMetrics(sink.meter());
    metrics.count('recordsHandled', 3, SHARD);
    sink.flush();
    sink.flush();
    metrics.count('recordsHandled', 1, SHARD);
    sink.stop();
    expect(lines.map((l) => l.ksp_records_handled)).toEqual([3, 1]);
  });
});

describe('fanOutMeter', () => {
  it('records the same value on every meter, with tags from withTags', () => {
    const a = emf();
    const b = emf();
    const metrics = new KspMetrics(
      fanOutMeter([a.sink.meter(), b.sink.meter()]).withTags({ stream: 'orders' }),
    );
    metrics.count('recordsRead', 4, { shard: 's1' });
    a.sink.flush();
    b.sink.flush();
    expect(a.lines[0]).toMatchObject({ stream: 'orders', shard: 's1', ksp_records_read: 4 });
    expect(b.lines[0]).toMatchObject({ stream: 'orders', shard: 's1', ksp_records_read: 4 });
  });
});

describe('JSON logs', () => {
  function capture(): { lines: Record<string, unknown>[]; stream: Writable } {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    return { lines, stream };
  }

  it('names stream and shard from the workflow ID', () => {
    expect(streamAndShard('ksp:orders:shardId-000000000003')).toEqual({
      stream: 'orders',
      shard: 'shardId-000000000003',
    });
    expect(streamAndShard('ksp:orders')).toEqual({ stream: 'orders' });
    expect(streamAndShard('other:orders')).toEqual({});
    expect(streamAndShard(undefined)).toEqual({});
  });

  it('writes one JSON object per line with level, message, IDs, and redacts secrets', () => {
    // Prepare
    const { lines, stream } = capture();
    const logger = createJsonLogger('INFO', stream);
    // Act
    logger.info('batch handled', {
      workflowId: 'ksp:orders:shardId-000000000001',
      runId: 'r1',
      apiKey: 'sk-live-123',
    });
    logger.debug('not at INFO');
    logger.error('failed', { error: new TypeError('boom'), credentials: { secretAccessKey: 'abc' } });
    // Assess
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'batch handled',
      stream: 'orders',
      shard: 'shardId-000000000001',
      runId: 'r1',
      apiKey: '[redacted]',
    });
    expect(lines[1]).toMatchObject({
      level: 'error',
      error: { type: 'TypeError', message: 'boom' },
      credentials: '[redacted]',
    });
    expect(JSON.stringify(lines)).not.toMatch(/sk-live-123|abc"/);
  });
});

describe('telemetry settings', () => {
  it('defaults to text logs on a terminal, JSON elsewhere, metrics off', () => {
    expect(readTelemetryConfig({}, true)).toEqual({
      logLevel: 'INFO',
      logFormat: 'text',
      prometheusAddress: null,
      otlpUrl: null,
      emf: null,
    });
    expect(readTelemetryConfig({}, false).logFormat).toBe('json');
  });

  it('reads the Prometheus address, OTLP URL and EMF switch', () => {
    expect(
      readTelemetryConfig({ KSP_METRICS_ADDRESS: '0.0.0.0:9464', KSP_METRICS_EMF: 'true' }, false),
    ).toMatchObject({
      prometheusAddress: '0.0.0.0:9464',
      emf: { namespace: 'ksp' },
    });
    expect(readTelemetryConfig({ KSP_METRICS_OTLP: 'http://collector:4317' }, false).otlpUrl).toBe(
      'http://collector:4317',
    );
  });

  it.each([
    [{ KSP_METRICS_ADDRESS: '9464' }, 'KSP_METRICS_ADDRESS: "9464" is not host:port: use e.g. 0.0.0.0:9464'],
    [{ KSP_METRICS_OTLP: 'collector:4317' }, 'KSP_METRICS_OTLP: "collector:4317" is not a collector URL'],
    [{ KSP_LOG_FORMAT: 'yaml' }, 'KSP_LOG_FORMAT: "yaml" is not a log format: use json or text'],
    [{ KSP_METRICS_EMF: 'yes' }, 'KSP_METRICS_EMF: "yes": use true or false'],
    [
      { KSP_METRICS_ADDRESS: '127.0.0.1:9464', KSP_METRICS_OTLP: 'http://c:4317' },
      'choose Prometheus or OTLP',
    ],
  ])('refuses %j, naming the variable and the fix', (env, message) => {
    expect(() => readTelemetryConfig(env, false)).toThrow(message);
  });
});

describe('batch metrics', () => {
  const input = { streamName: 'orders', shardId: 's1', nonRetryableErrorTypes: ['ValidationError'] };
  const result = (over: Record<string, unknown>) =>
    ({
      outcome: 'handled',
      fetched: 10,
      bytes: 100,
      handled: 10,
      expired: 0,
      deadLettered: 0,
      millisBehindLatest: 2_500,
      error: null,
      ...over,
    }) as unknown as Parameters<typeof recordBatchMetrics>[2];

  it('counts read, handled and dead-lettered records by reason, retries and the iterator age', () => {
    // Prepare
    const { sink, lines } = emf();
    const metrics = new KspMetrics(sink.meter());
    const batchInput = input as unknown as Parameters<typeof recordBatchMetrics>[1];
    // Act
    recordBatchMetrics(metrics, batchInput, result({}));
    recordBatchMetrics(metrics, batchInput, result({ outcome: 'retry', handled: 4 }));
    recordBatchMetrics(
      metrics,
      batchInput,
      result({
        outcome: 'dead-lettered',
        handled: 5,
        expired: 2,
        deadLettered: 5,
        error: { type: 'ValidationError', message: 'x' },
      }),
    );
    recordReadEvent(metrics, input, 'throttled:GetRecords');
    recordReadEvent(metrics, input, 'expired-iterator');
    sink.flush();
    // Assess
    const byReason: Record<string, unknown> = {};
    for (const l of lines) if (typeof l.reason === 'string') byReason[l.reason] = l.ksp_records_dead_lettered;
    expect(byReason).toEqual({ 'record-age': 2, 'non-retryable': 3 });
    const shard = lines.find((l) => !('reason' in l) && !('api' in l));
    expect(shard).toMatchObject({
      ksp_records_read: 30,
      ksp_bytes_read: 300,
      ksp_records_handled: 19,
      ksp_batch_retries: 1,
      ksp_iterator_age_seconds: 2.5,
      ksp_expired_iterators: 1,
    });
    expect(lines.find((l) => 'api' in l)).toMatchObject({ api: 'GetRecords', ksp_throttles: 1 });
  });
});
