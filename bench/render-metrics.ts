/** Section 5 of the report: what turning metrics on costs, each figure beside its baseline. */
import type { MetricsCostResult } from './metrics-cost';
import { num, table } from './table';

const change = (on: number, off: number): string =>
  off > 0 ? `${on >= off ? '+' : ''}${num(((on - off) / off) * 100, 1)} %` : '-';

export function formatMetricsCost(result: (MetricsCostResult & { backend: string }) | null): string {
  if (!result) return '';
  const off = result.load.find((r) => r.metrics === 'off');
  const on = result.load.find((r) => r.metrics === 'on');
  const load =
    off && on
      ? table(
          ['worker, during the drain', 'metrics off (baseline)', 'metrics on', 'change'],
          [
            [
              'drain time, s',
              num(off.drainSeconds, 1),
              num(on.drainSeconds, 1),
              change(on.drainSeconds, off.drainSeconds),
            ],
            ['CPU, s', num(off.cpuSeconds, 2), num(on.cpuSeconds, 2), change(on.cpuSeconds, off.cpuSeconds)],
            [
              'CPU ms per 1,000 records',
              num(off.cpuMsPer1000Records, 1),
              num(on.cpuMsPer1000Records, 1),
              change(on.cpuMsPer1000Records, off.cpuMsPer1000Records),
            ],
            [
              'RSS median, MiB',
              num(off.rssMedianMiB, 1),
              num(on.rssMedianMiB, 1),
              change(on.rssMedianMiB, off.rssMedianMiB),
            ],
            [
              'RSS max, MiB',
              num(off.rssMaxMiB, 1),
              num(on.rssMaxMiB, 1),
              change(on.rssMaxMiB, off.rssMaxMiB),
            ],
          ],
        )
      : '';
  const idle = result.scrapes.find((s) => s.shards === 0);
  const scrapes = table(
    ['shards', '/metrics bytes', 'samples', 'ksp_* bytes', 'ksp_* bytes per shard', 'vs idle (baseline)'],
    result.scrapes.map((s) => [
      s.shards === 0 ? '0 (idle)' : String(s.shards),
      String(s.bytes),
      String(s.samples),
      String(s.kspBytes),
      s.shards === 0 ? '-' : num(s.kspBytes / s.shards),
      idle && s !== idle ? `+${s.bytes - idle.bytes}` : '-',
    ]),
  );
  const records = on?.records ?? off?.records ?? 0;
  return [
    `5. Cost of metrics (${result.backend}): a fresh \`node dist/workers/main.js\` per column drains the same backlog of ${records} records`,
    `   over ${result.shards} shards (no-op handler); CPU = the worker's user + system time from /proc, RSS = VmRSS every 0.5 s during the drain.`,
    load,
    `   Prometheus scrape (KSP_METRICS_ADDRESS; the SDK's temporal_* metrics included): the metrics-on worker idle before any stream`,
    `   (baseline), after the ${result.shards}-shard drain, and another worker consuming a stream with the most shards.`,
    scrapes,
  ]
    .filter(Boolean)
    .join('\n');
}
