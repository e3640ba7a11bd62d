/**
 * `ksp bench` (`npm run bench`): drain rate, caught-up latency, Temporal history and worker
 * memory, each beside its baseline measured in the same run, on the embedded local stack.
 */
import { formatReport } from './render';
import { compileBenchOptions } from './options';
import { writeReport } from './report';
import { runBench } from './run';
import { intFlag, parse, stringFlag } from '../src/cli/usage';

export const BENCH_HELP = `Usage: npm run bench -- [options]
Starts its own local stack per backend (Temporal dev server, Kinesis emulator, fauxqs on free
127.0.0.1 ports) and measures, each beside its baseline in the same run:
  drain    backlog drain, records/s: shard workflows vs a plain GetRecords loop per shard
  latency  put → handler latency p50/p99 and GetRecords/s per shard at ksp defaults, 5 rec/s per shard;
           then idlePollInterval 1s and 200ms at 1 rec/s per shard; each vs the plain loop
  history  Temporal history events per 10,000 records and per idle shard-hour, heartbeats
  rss      worker process memory with 4 and 32 shards vs the same worker idle
  metrics  worker CPU and memory draining 32 shards with metrics on vs off; /metrics size at 32
           and 256 shards vs the same worker idle
  actions  billable Temporal actions counted (histories + heartbeats at the dev server) at 5 rec/s
           per shard and idle, per 1,000 records and per shard-hour, beside the goals
  workers  3 worker processes share 96 shards: spread, SIGKILL failover, a joining worker
Options:
  --only <list>            sections to run, comma-separated (default all)
  --backend <name>         kinesalite | kinesis-local | both (default both)
  --records <n>            drain backlog on kinesalite (default 40000; --quick 10000)
  --records-kinesis-local <n>  drain backlog on kinesis-local (default min(--records, 8000))
  --drain-records-per-shard <n>  drain backlog of <n> records per shard instead (both backends):
                           enough batches per shard to measure throughput rather than start-up
  --shards <n>             shards of the latency and idle streams (default 4; alone, also the drain's)
  --drain-shards <list>    one drain comparison per shard count, up to 1000 (default 4,32,256; --quick 4)
  --batch-size <n>         shard workflow batchSize = plain loop Limit (default 1000)
  --repeats <n>            drain runs per consumer, alternating which goes first (default 3; --quick 1)
  --rss-shards <list>      shard counts for the memory section, up to 1000 (default 4,32)
  --rss-records-per-shard <n>  backlog per shard drained while the memory section samples (default 200)
  --activity-lifetime <d>  maxActivityLifetime of every stream ksp consumes, e.g. 0 to measure one
                           activity per batch (default ksp's: 10m, the consuming loop)
  --worker-env <list>      NAME=value pairs, comma-separated, added to the environment of the worker
                           processes (rss, metrics, workers), e.g. MALLOC_ARENA_MAX=2,NODE_OPTIONS=--max-old-space-size=512
  --quick                  smaller and shorter; skips the direct 2-minute idle window
  --json <file>            also write every number to <file>
  --cpu-prof-dir <dir>     write a CPU profile of the bench process (worker, kinesalite) per drain run
Environment: KSP_BENCH_TRACE=1 logs each drain's start-up timeline (stream workflow, shard starts,
  first workflow tasks, consume activities, first records; ms since the start call) beside the loop's.
The full default run takes over 20 minutes on 2 cores: the actions section alone waits ~16 (a steady window
that starts past the shards' start-up, then a 10-minute idle window); --quick about 1 minute per backend.`;

export async function benchCommand(argv: string[]): Promise<void> {
  const { values } = parse('bench', argv, {
    only: { type: 'string' },
    backend: { type: 'string' },
    records: { type: 'string' },
    'records-kinesis-local': { type: 'string' },
    shards: { type: 'string' },
    'batch-size': { type: 'string' },
    repeats: { type: 'string' },
    'rss-shards': { type: 'string' },
    'rss-records-per-shard': { type: 'string' },
    'drain-shards': { type: 'string' },
    'drain-records-per-shard': { type: 'string' },
    'activity-lifetime': { type: 'string' },
    'worker-env': { type: 'string' },
    quick: { type: 'boolean' },
    json: { type: 'string' },
    'cpu-prof-dir': { type: 'string' },
  });
  const options = compileBenchOptions({
    only: stringFlag(values.only),
    backend: stringFlag(values.backend),
    records: intFlag('records', values.records, 100, 5_000_000),
    recordsKinesisLocal: intFlag('records-kinesis-local', values['records-kinesis-local'], 100, 1_000_000),
    shards: intFlag('shards', values.shards, 1, 1_000),
    batchSize: intFlag('batch-size', values['batch-size'], 1, 10_000),
    repeats: intFlag('repeats', values.repeats, 1, 10),
    rssShards: stringFlag(values['rss-shards']),
    rssRecordsPerShard: intFlag('rss-records-per-shard', values['rss-records-per-shard'], 1, 10_000),
    drainShards: stringFlag(values['drain-shards']),
    drainRecordsPerShard: intFlag('drain-records-per-shard', values['drain-records-per-shard'], 1, 100_000),
    activityLifetime: stringFlag(values['activity-lifetime']),
    workerEnv: stringFlag(values['worker-env']),
    quick: values.quick === true,
    json: stringFlag(values.json),
    cpuProfDir: stringFlag(values['cpu-prof-dir']),
  });
  const interrupted = new AbortController();
  const onSignal = () => interrupted.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const report = await runBench(options, {
      signal: interrupted.signal,
      log: (message) => console.error(`[bench] ${message}`),
    });
    console.log(formatReport(report));
    if (options.jsonFile) {
      writeReport(report, options.jsonFile);
      console.log(`\nwrote ${options.jsonFile}`);
    }
  } catch (err) {
    if (!interrupted.signal.aborted) throw err;
    // Everything the bench started is stopped by now; a Ctrl-C to the whole process group may
    // have killed the servers first, leaving SDK retries that would keep the process alive.
    setTimeout(() => process.exit(130), 5_000).unref();
    throw new Error('interrupted: the servers and workers it started are stopped');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(BENCH_HELP);
  } else {
    benchCommand(argv).catch((err: unknown) => {
      console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    });
  }
}
