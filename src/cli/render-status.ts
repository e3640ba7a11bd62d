/** Human-readable rendering of statuses for the terminal. */
import type { LiveStreamStatus } from '../client/stream-control';
import type { StreamStatus } from '../workflows/stream-messages';

function lag(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${(ms / 60_000).toFixed(1)}m`;
}

function shortSeq(seq: string | undefined): string {
  if (!seq) return '-';
  return seq.length > 16 ? `…${seq.slice(-12)}` : seq;
}

export function formatStreamStatus(status: StreamStatus | LiveStreamStatus): string {
  const rows: string[][] = [['SHARD', 'STATE', 'CHECKPOINT', 'HANDLED', 'DLQ', 'LAG', 'ATTEMPT', 'NOTE']];
  for (const s of status.shards) {
    const full = 'checkpoint' in s ? s : null;
    rows.push([
      s.shardId,
      s.state,
      shortSeq(full?.checkpoint?.sequenceNumber),
      String(full?.handled ?? 0),
      String(full?.deadLettered ?? 0),
      lag(full?.millisBehindLatest),
      String(full?.attempt ?? '-'),
      ('outage' in s ? s.outage?.note : undefined) ??
        full?.pauseReason ??
        (full?.lastError && (full.attempt > 1 || full.lastError.message.includes('bisecting'))
          ? `${full.lastError.type}: ${full.lastError.message}`
          : ''),
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const table = rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  return [
    `stream ${status.streamName}: ${status.state} (run ${status.run}), handled ${status.totals.handled}, dead-lettered ${status.totals.deadLettered}, max lag ${lag(status.totals.maxMillisBehindLatest)}`,
    table,
  ].join('\n');
}
