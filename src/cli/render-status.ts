/**
 * Human-readable rendering of statuses for the terminal. A status comes from a query answered by
 * whatever workflow code and history the server holds (an old run may carry a pause reason that
 * is not a string), so every cell is read defensively: an odd value is shown as it is, never
 * crashes `ksp status`, and no cell grows past a terminal line.
 */
import type { LiveStreamStatus } from '../client/stream-control';
import type { StreamStatus } from '../workflows/stream-messages';
import { formatTable } from './table';

/** Longest cell: a long error message is cut here (`ksp status --json` shows it whole). */
export const MAX_CELL_CHARS = 160;

type Fields = Record<string, unknown>;

function fields(value: unknown): Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : {};
}

/** Any value as a single line of at most MAX_CELL_CHARS characters; `empty` for null or absent. */
export function cellText(value: unknown, empty = '-'): string {
  if (value === null || value === undefined) return empty;
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'boolean'
        ? String(value)
        : (JSON.stringify(value) ?? typeof value);
  const line = text.replace(/\s+/g, ' ');
  return line.length > MAX_CELL_CHARS ? `${line.slice(0, MAX_CELL_CHARS - 1)}…` : line;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function lag(value: unknown): string {
  const ms = num(value);
  if (ms === null) return '-';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${(ms / 60_000).toFixed(1)}m`;
}

function shortSeq(value: unknown): string {
  const seq = fields(value).sequenceNumber;
  if (typeof seq !== 'string' || seq === '') return cellText(seq);
  return seq.length > 16 ? `…${seq.slice(-12)}` : seq;
}

/** Why the shard cannot reach Kinesis or is paused, or its error when it is retrying or bisecting; empty when healthy. */
function note(shard: Fields): string {
  const outage = fields(shard.outage);
  if (outage.note !== null && outage.note !== undefined) return cellText(outage.note);
  if (shard.pauseReason !== null && shard.pauseReason !== undefined) return cellText(shard.pauseReason);
  if (shard.lastError === null || shard.lastError === undefined) return '';
  const error = fields(shard.lastError);
  const message = cellText(error.message, '');
  if ((num(shard.attempt) ?? 1) <= 1 && !message.includes('bisecting')) return '';
  return cellText(`${cellText(error.type, 'Error')}: ${message}`);
}

function shardRow(value: unknown): string[] {
  const s = fields(value);
  return [
    cellText(s.shardId),
    cellText(s.state),
    shortSeq(s.checkpoint),
    cellText(s.handled, '0'),
    cellText(s.deadLettered, '0'),
    lag(s.millisBehindLatest),
    cellText(s.attempt),
    note(s),
  ];
}

export function formatStreamStatus(status: StreamStatus | LiveStreamStatus): string {
  const s: Fields = fields(status);
  const totals = fields(s.totals);
  const shards: unknown[] = Array.isArray(s.shards) ? s.shards : [];
  const rows = [
    ['SHARD', 'STATE', 'CHECKPOINT', 'HANDLED', 'DLQ', 'LAG', 'ATTEMPT', 'NOTE'],
    ...shards.map(shardRow),
  ];
  return [
    `stream ${cellText(s.streamName)}: ${cellText(s.state)} (run ${cellText(s.run)}), handled ${cellText(totals.handled, '0')}, dead-lettered ${cellText(totals.deadLettered, '0')}, max lag ${lag(totals.maxMillisBehindLatest)}`,
    formatTable(rows),
  ].join('\n');
}
