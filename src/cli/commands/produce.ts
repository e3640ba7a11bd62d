/**
 * `ksp produce <stream>`: a load generator over the producer library, with a progress bar on a
 * terminal (a plain line every few seconds otherwise) and a summary at the end.
 */
import type { MetricMeter } from '@temporalio/common';
import { durationProblem, parseDuration } from '../../config/duration';
import { ConfigError } from '../../errors';
import { type LoadProgress, type LoadSummary, runLoad } from '../../producer/load';
import { createProducer } from '../../producer/producer';
import type * as TelemetryModule from '../../workers/telemetry';
import type { CliContext } from '../context';
import { AWS_ENV, helpFooter } from '../help';
import { intFlag, parse, requireStream, stringFlag } from '../usage';

export const PRODUCE_HELP = `Usage: ksp produce <stream> [--rate <records/s>|max] [--size <bytes>] [--keys <n>]
                   [--count <n> | --duration <time>] [--aggregate [--aggregate-bytes <n>]] [--json]

Writes JSON records {key, n, at} (n counts per key, so readers can check order) through the
producer: batched PutRecords within the API limits, each shard kept under 1,000 records/s and
1 MiB/s, failed entries retried with backoff, per-key order kept, bounded memory.

  --rate        records per second, or "max" for as fast as the shards take them (default 50)
  --size        bytes of data per record, padded JSON (default: the JSON alone, ~60 bytes)
  --keys        distinct partition keys (default 100)
  --count       stop after this many records; --duration: after this long (e.g. 30s, 5m);
                neither: until Ctrl-C
  --aggregate   pack records into KPL aggregates (readers must de-aggregate: ksp, KCL,
                aws-kinesis-agg); --aggregate-bytes: largest aggregate (default 51200)
  --json        print the summary as JSON

Progress goes to stderr; the summary (records/s, MB/s, PutRecords calls, records per call,
retries, throttles, p50/p99 put latency) to stdout. Exits 1 when records failed for good.
With KSP_METRICS_ADDRESS (or KSP_METRICS_OTLP) set, as for the worker, the producer's metrics
(ksp_producer_*) are served at /metrics (or pushed) while it runs.
${helpFooter(AWS_ENV)}`;

const BAR_WIDTH = 30;

function number(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function progressLine(p: LoadProgress, tty: boolean): string {
  const seconds = Math.max(p.elapsedMs, 1) / 1000;
  const rate = `${number(p.written / seconds)} rec/s, ${(p.bytes / 1e6 / seconds).toFixed(2)} MB/s`;
  const counts = `${number(p.written)} written, ${p.stats.retries} retries, ${p.stats.throttles} throttles`;
  if (!tty || p.done === null) return `${(p.elapsedMs / 1000).toFixed(0)}s: ${counts}, ${rate}`;
  const filled = Math.round(Math.min(1, p.done) * BAR_WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
  return `${bar} ${(Math.min(1, p.done) * 100).toFixed(0).padStart(3)}%  ${counts}, ${rate}`;
}

export function formatLoadSummary(s: LoadSummary): string {
  const l = s.stats.latencyMs;
  return [
    `wrote ${number(s.written)} records (${(s.bytes / 1e6).toFixed(2)} MB) in ${(s.elapsedMs / 1000).toFixed(1)}s: ` +
      `${number(s.recordsPerSecond)} records/s, ${s.megabytesPerSecond.toFixed(2)} MB/s`,
    `PutRecords calls ${number(s.stats.putRecordsCalls)} (${s.recordsPerCall.toFixed(1)} records per call, ` +
      `${number(s.stats.kinesisRecordsPut)} Kinesis records), retries ${s.stats.retries}, throttles ${s.stats.throttles}, ` +
      `failed ${s.failed}`,
    `put latency p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms, max ${l.max.toFixed(1)} ms`,
  ].join('\n');
}

/**
 * The producer classifies errors without knowing its client's endpoint, so its messages say "the
 * default AWS Kinesis endpoint"; name the one in use instead.
 */
function atEndpoint(message: string, endpoint: string | undefined): string {
  return endpoint ? message.replaceAll('the default AWS Kinesis endpoint', `endpoint ${endpoint}`) : message;
}

function failureMessage(err: unknown, endpoint: string | undefined): string | null {
  if (err === undefined) return null;
  return atEndpoint(err instanceof Error ? err.message : JSON.stringify(err), endpoint);
}

/**
 * The Temporal Runtime's meter when metrics are asked for (EMF is not: stdout is the summary's).
 * The Runtime comes with the worker SDK, loaded only then.
 */
function producerMeter(ctx: CliContext): { metricMeter?: MetricMeter } {
  if (!ctx.env.KSP_METRICS_ADDRESS?.trim() && !ctx.env.KSP_METRICS_OTLP?.trim()) return {};
  const { installTelemetry, readTelemetryConfig } =
    require('../../workers/telemetry') as typeof TelemetryModule;
  const config = readTelemetryConfig(ctx.env, process.stderr.isTTY === true);
  return { metricMeter: installTelemetry({ ...config, emf: null }).metricMeter };
}

export async function produceCommand(ctx: CliContext, argv: string[]): Promise<number> {
  const { values, positionals } = parse('produce', argv, {
    rate: { type: 'string' },
    size: { type: 'string' },
    keys: { type: 'string' },
    count: { type: 'string' },
    duration: { type: 'string' },
    aggregate: { type: 'boolean' },
    'aggregate-bytes': { type: 'string' },
    json: { type: 'boolean' },
  });
  const streamName = requireStream('produce', positionals);
  const rate = values.rate === 'max' ? null : (intFlag('rate', values.rate, 1, 1_000_000) ?? 50);
  const recordBytes = intFlag('size', values.size, 1, 1_048_000) ?? 0;
  const keys = intFlag('keys', values.keys, 1, 10_000_000) ?? 100;
  const count = intFlag('count', values.count, 1, 1_000_000_000);
  const durationText = stringFlag(values.duration);
  const durationMs = durationText === undefined ? undefined : parseDuration(durationText);
  if (durationText !== undefined && durationMs === undefined) {
    throw new ConfigError('--duration', durationProblem(durationText));
  }
  if (durationMs === 0) throw new ConfigError('--duration', '0 writes nothing: use e.g. 30s or 5m');
  const aggregateBytes = intFlag('aggregate-bytes', values['aggregate-bytes'], 1024, 1_048_576);
  if (aggregateBytes !== undefined && values.aggregate !== true) {
    throw new ConfigError('--aggregate-bytes', 'only applies with --aggregate');
  }
  const producer = createProducer({
    kinesis: ctx.kinesis(),
    ...producerMeter(ctx),
    streamName,
    aggregation:
      values.aggregate === true ? { ...(aggregateBytes ? { maxBytes: aggregateBytes } : {}) } : false,
  });
  const endpoint = ctx.awsConfig().kinesis.endpoint;
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  const tty = process.stderr.isTTY === true;
  let summary: LoadSummary;
  try {
    summary = await runLoad({
      producer,
      rate,
      keys,
      recordBytes,
      ...(count !== undefined ? { count } : {}),
      ...(durationMs !== undefined ? { durationMs } : {}),
      signal: abort.signal,
      progressIntervalMs: tty ? 200 : 5000,
      onProgress: (p) => {
        if (tty) process.stderr.write(`\r${progressLine(p, true)}\x1b[K`);
        else console.error(progressLine(p, false));
      },
    });
  } catch (err) {
    throw err instanceof Error ? new Error(atEndpoint(err.message, endpoint)) : err;
  } finally {
    process.removeListener('SIGINT', onSigint);
    await producer.close();
  }
  if (tty) process.stderr.write('\n');
  const firstError = failureMessage(summary.firstError, endpoint);
  console.log(
    values.json === true ? JSON.stringify({ ...summary, firstError }, null, 2) : formatLoadSummary(summary),
  );
  if (summary.failed === 0) return 0;
  console.error(`${summary.failed} records failed for good; the first: ${firstError ?? 'unknown error'}`);
  return 1;
}
