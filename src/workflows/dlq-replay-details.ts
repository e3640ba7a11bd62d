/**
 * What the DLQ replay workflow shows in the Temporal Web UI: a summary on each replay call
 * (`replayDlqBatch …-dlq: up to 10 message(s) through the handler, 42 replayed so far`) and its
 * *Current Details* (state and counts; no history event). Counts only: message bodies and records
 * never appear here (DESIGN.md rule 1).
 */
import { setCurrentDetails } from '@temporalio/workflow';
import type { CompiledDlqReplayOptions } from '../config/replay-options';
import type { DlqReplayProgress } from './dlq-replay-messages';

/** The last path segment of a queue URL: its name. */
function queueName(queueUrl: string): string {
  return queueUrl.slice(queueUrl.lastIndexOf('/') + 1) || queueUrl;
}

export function replayCallSummary(
  options: CompiledDlqReplayOptions,
  maxMessages: number | null,
  progress: DlqReplayProgress,
): string {
  const how =
    options.mode === 'reput' ? `re-put into ${options.targetStream ?? '(no stream)'}` : 'through the handler';
  const dry = options.dryRun ? ' (dry run)' : '';
  const count = maxMessages === null ? 'messages' : `up to ${maxMessages} message(s)`;
  return `replayDlqBatch ${queueName(options.queueUrl)}: ${count} ${how}${dry}, ${progress.replayed} replayed so far`;
}

export function replayDetailsMarkdown(p: DlqReplayProgress): string {
  const lines = [
    `**${p.state}** · ${p.mode}${p.dryRun ? ' (dry run)' : ''} · started ${p.startedAt}`,
    `**Messages** seen ${p.seen} · replayed ${p.replayed} · failed ${p.failed} · skipped ${p.skipped} · parked ${p.parked}` +
      (p.dryRun ? ` · would replay ${p.wouldReplay}` : ''),
    `**Records** replayed ${p.records.replayed} · failed ${p.records.failed} · parked ${p.records.parked} · re-read ${p.records.reread}`,
  ];
  if (p.held > 0) lines.push(`${p.held} message(s) held hidden, made visible again when the replay ends`);
  if (p.emptySince) lines.push(`Queue empty since ${p.emptySince}`);
  if (p.lastError)
    lines.push(`**Last error** (${p.lastError.at}): \`${p.lastError.type}\`: ${p.lastError.message}`);
  return lines.join('\n');
}

/** Sets the replay's Current Details when they changed. */
export class ReplayDetails {
  private shown = '';

  refresh(progress: DlqReplayProgress): void {
    const markdown = replayDetailsMarkdown(progress);
    if (markdown === this.shown) return;
    setCurrentDetails(markdown);
    this.shown = markdown;
  }
}
