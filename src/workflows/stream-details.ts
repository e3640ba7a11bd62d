/**
 * The stream workflow's *Current Details* in the Temporal Web UI: state, shards by state, totals
 * and the most lagging shard, from the status it already keeps. Setting them writes no history
 * event (the UI reads them with the `__temporal_workflow_metadata` query), so the workflow sets
 * them whenever its picture changes: each loop turn and each shard report.
 */
import { setCurrentDetails } from '@temporalio/workflow';
import type { StreamStatus } from './stream-messages';
import { formatMs } from './start-details';

export function streamDetailsMarkdown(status: StreamStatus, pauseReason: string | null = null): string {
  const byState = new Map<string, number>();
  let laggiest: { shardId: string; ms: number } | null = null;
  for (const shard of status.shards) {
    byState.set(shard.state, (byState.get(shard.state) ?? 0) + 1);
    const ms = 'millisBehindLatest' in shard ? shard.millisBehindLatest : null;
    if (shard.state !== 'finished' && ms !== null && (laggiest === null || ms > laggiest.ms)) {
      laggiest = { shardId: shard.shardId, ms };
    }
  }
  const counts = [...byState.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([state, n]) => `${n} ${state}`)
    .join(' · ');
  const { totals } = status;
  const lines = [
    `**${status.state}** · ${status.shards.length} shards: ${counts || 'none discovered yet'}`,
    `**Handled** ${totals.handled} · dead-lettered ${totals.deadLettered}`,
    laggiest === null
      ? '**Lag**: unknown until a shard reports'
      : laggiest.ms === 0
        ? '**Lag**: every shard at the tip'
        : `**Most behind**: \`${laggiest.shardId}\`, ${formatMs(laggiest.ms)} (${laggiest.ms} ms)`,
  ];
  if (status.state === 'paused')
    lines.push(`**Paused**: ${pauseReason ?? 'paused'} — resume with the \`resume\` signal`);
  if (status.discoveredAt) lines.push(`Shards last listed ${status.discoveredAt}`);
  if (status.run > 1) lines.push(`Run ${status.run} (continued as new ${status.run - 1}×)`);
  return lines.join('\n');
}

/** Sets the stream's Current Details when they changed. */
export class StreamDetails {
  private shown = '';

  constructor(private readonly source: () => { status: StreamStatus; pauseReason: string | null }) {}

  refresh(): void {
    const { status, pauseReason } = this.source();
    const markdown = streamDetailsMarkdown(status, pauseReason);
    if (markdown === this.shown) return;
    setCurrentDetails(markdown);
    this.shown = markdown;
  }
}
