/** Terminal rendering of a DLQ replay's progress: the live bar, status lines and the closing summary. */
import type { DlqReplayProgress } from '../workflows/dlq-replay-messages';

/** Messages the run has finished with (each receive ends as exactly one of these). */
function done(p: DlqReplayProgress): number {
  return p.replayed + p.failed + p.skipped + p.parked + p.wouldReplay;
}

function rate(n: number, elapsedMs: number): string {
  return elapsedMs > 0 ? `${((n * 1000) / elapsedMs).toFixed(1)}` : '0';
}

function skippedDetail(p: DlqReplayProgress): string {
  const parts = Object.entries(p.skippedBy)
    .filter(([, n]) => (n ?? 0) > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, n]) => `${reason} ${n}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** The counts in one line, e.g. `seen 40 · replayed 37 · failed 1 · skipped 2 (foreign 2) · parked 0 · 370 records`. */
export function formatReplayCounts(p: DlqReplayProgress): string {
  const head = p.dryRun
    ? `seen ${p.seen} · would replay ${p.wouldReplay} (${p.records.replayed} records)`
    : `seen ${p.seen} · replayed ${p.replayed} (${p.records.replayed} records)`;
  return `${head} · failed ${p.failed} · skipped ${p.skipped}${skippedDetail(p)} · parked ${p.parked}`;
}

/**
 * One frame of the progress bar. `total` is the queue depth when the run started (null when
 * unknown): a retried message counts again, so the bar is capped at full rather than exact.
 */
export function formatReplayBar(
  p: DlqReplayProgress,
  total: number | null,
  elapsedMs: number,
  width = 24,
): string {
  const n = done(p);
  const speed = `${rate(n, elapsedMs)} msg/s, ${rate(p.records.replayed, elapsedMs)} rec/s`;
  if (total === null || total <= 0) return `${formatReplayCounts(p)} · ${speed}`;
  const fraction = Math.min(1, n / total);
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  return `${bar} ${Math.min(n, total)}/${total} ${formatReplayCounts(p)} · ${speed}`;
}

/** What the run did and what is left for a person, after it ended. */
export function formatReplaySummary(end: string, p: DlqReplayProgress, elapsedMs: number): string {
  const lines = [
    `DLQ replay of ${p.queueUrl} ${end === 'queue-empty' ? 'done: the queue stayed empty' : `ended: ${end}`}${p.dryRun ? ' (dry run: nothing changed)' : ''}`,
    `  ${formatReplayCounts(p)}`,
    `  ${(elapsedMs / 1000).toFixed(1)}s, ${rate(p.seen, elapsedMs)} messages/s, ${rate(p.records.replayed, elapsedMs)} records/s`,
  ];
  if (p.skipped > 0 && !p.dryRun) {
    lines.push(
      `  ${p.skipped} skipped message(s) are still in the queue for a person: \`ksp dlq peek ${p.queueUrl}\``,
    );
  }
  if (p.lastError) lines.push(`  last failure: ${p.lastError.type}: ${p.lastError.message}`);
  return lines.join('\n');
}
