/** `ksp produce <stream>`: a steady demo load (JSON records with per-key counters). */
import { runDemoProducer } from '../../producer/demo-producer';
import type { CliContext } from '../context';
import { intFlag, parse, requireStream } from '../usage';

export const PRODUCE_HELP = `Usage: ksp produce <stream> [--rate <records/s>] [--keys <n>] [--count <n>]
Writes JSON records {key, n, at} over <keys> partition keys at <rate> per second (default 50/s,
100 keys) until Ctrl-C or <count> records.`;

export async function produceCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parse('produce', argv, {
    rate: { type: 'string' },
    keys: { type: 'string' },
    count: { type: 'string' },
  });
  const streamName = requireStream('produce', positionals);
  const rate = intFlag('rate', values.rate, 1, 100_000) ?? 50;
  const keys = intFlag('keys', values.keys, 1, 1_000_000) ?? 100;
  const count = intFlag('count', values.count, 1, 1_000_000_000);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  const started = Date.now();
  const stats = await runDemoProducer({
    kinesis: ctx.kinesis(),
    streamName,
    rate,
    keys,
    ...(count !== undefined ? { count } : {}),
    signal: abort.signal,
  });
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `produced ${stats.produced} records in ${seconds.toFixed(1)}s (${(stats.produced / seconds).toFixed(0)}/s)`,
  );
}
