/**
 * Where a ksp drain's start-up goes (KSP_BENCH_TRACE=1): the milestones from the client's start
 * call to each shard's first record handled, read from the stream and shard workflows' history
 * event times (server clock, same machine) and the bench's own clock. Printed as ms since the
 * start call, min / median / max over the shards.
 */
import type { Client } from '@temporalio/client';
import { shardWorkflowId, streamWorkflowId } from '../src/constants';
import type { HistoryEvent } from './history-count';
import { eventTimeMs } from './history-timing';
import { median } from './stats';

function timestampMs(t: { seconds?: unknown; nanos?: number | null } | null | undefined): number | null {
  if (!t) return null;
  const s = t.seconds as number | { toNumber(): number } | null | undefined;
  const seconds = s === null || s === undefined ? 0 : typeof s === 'number' ? s : s.toNumber();
  return seconds * 1000 + (t.nanos ?? 0) / 1e6;
}

/** Event times (epoch ms) of one shard workflow's start-up. */
interface ShardMilestones {
  /** Its startShardWorkflow activity in the stream workflow: started, completed. */
  startActivityStarted: number | null;
  startActivityCompleted: number | null;
  started: number;
  firstTaskStarted: number | null;
  firstTaskCompleted: number | null;
  /** Scheduled and started in the same history batch as the start: an eager workflow start. */
  eager: boolean;
  consumeScheduled: number | null;
  consumeStarted: number | null;
  firstRecord: number | null;
}

async function shardMilestones(
  client: Client,
  workflowId: string,
  firstRecord: number | null,
  startActivity: { started: number | null; completed: number | null } | undefined,
): Promise<ShardMilestones> {
  const handle = client.workflow.getHandle(workflowId);
  const events = (await handle.fetchHistory()).events ?? [];
  const find = (key: keyof HistoryEvent) => events.find((e) => e[key]);
  const at = (e: HistoryEvent | undefined) => (e ? eventTimeMs(e) : null);
  const taskStarted = find('workflowTaskStartedEventAttributes');
  const scheduled = find('activityTaskScheduledEventAttributes');
  let consumeStarted = at(find('activityTaskStartedEventAttributes'));
  if (consumeStarted === null) {
    // A consuming activity still running has no started event yet: its pending info has the time.
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    consumeStarted = timestampMs(pending[0]?.lastStartedTime);
  }
  return {
    startActivityStarted: startActivity?.started ?? null,
    startActivityCompleted: startActivity?.completed ?? null,
    started: eventTimeMs(events[0] as HistoryEvent),
    firstTaskStarted: at(taskStarted),
    firstTaskCompleted: at(find('workflowTaskCompletedEventAttributes')),
    eager:
      Number(taskStarted?.eventId ?? 0) === 3 && at(taskStarted) === eventTimeMs(events[0] as HistoryEvent),
    consumeScheduled: at(scheduled),
    consumeStarted,
    firstRecord,
  };
}

export interface StartupTimeline {
  /** Labelled rows: ms since the client's start call, [min, median, max] (one value for the stream's). */
  rows: Array<{ label: string; ms: number[] }>;
  eagerShards: number;
  shards: number;
}

/**
 * `originEpochMs`: when the bench called startStream; `firstRecordByShard`: epoch ms of each
 * shard's first record handled.
 */
export async function startupTimeline(
  client: Client,
  streamName: string,
  shardIds: readonly string[],
  originEpochMs: number,
  firstRecordByShard: ReadonlyMap<string, number>,
): Promise<StartupTimeline> {
  const rel = (t: number | null) => (t === null ? null : t - originEpochMs);
  const stream = (await client.workflow.getHandle(streamWorkflowId(streamName)).fetchHistory()).events ?? [];
  const rows: StartupTimeline['rows'] = [];
  const one = (label: string, e: HistoryEvent | undefined) => {
    if (e) rows.push({ label, ms: [eventTimeMs(e) - originEpochMs] });
  };
  one('stream: workflow started', stream[0]);
  one(
    'stream: first WFT started',
    stream.find((e) => e.workflowTaskStartedEventAttributes),
  );
  one(
    'stream: first WFT completed',
    stream.find((e) => e.workflowTaskCompletedEventAttributes),
  );
  // Activities by type, through their scheduled event IDs.
  const typeOf = new Map<string, string>();
  /** startShardWorkflow activities by shard ID (from their input), through their scheduled event ID. */
  const shardOfActivity = new Map<string, string>();
  const startActivities = new Map<string, { started: number | null; completed: number | null }>();
  for (const e of stream) {
    const a = e.activityTaskScheduledEventAttributes;
    if (!a) continue;
    typeOf.set(String(e.eventId), a.activityType?.name ?? '?');
    const data = a.input?.payloads?.[0]?.data;
    if (a.activityType?.name === 'startShardWorkflow' && data) {
      const shardId = (JSON.parse(Buffer.from(data).toString('utf8')) as { shardId?: string }).shardId;
      if (shardId) shardOfActivity.set(String(e.eventId), shardId);
    }
  }
  for (const e of stream) {
    const st = e.activityTaskStartedEventAttributes;
    const c = e.activityTaskCompletedEventAttributes;
    const shardId = shardOfActivity.get(String(st?.scheduledEventId ?? c?.scheduledEventId ?? ''));
    if (!shardId) continue;
    const entry = startActivities.get(shardId) ?? { started: null, completed: null };
    if (st) entry.started = eventTimeMs(e);
    if (c) entry.completed = eventTimeMs(e);
    startActivities.set(shardId, entry);
  }
  const phases = new Map<string, number[]>();
  const add = (label: string, t: number) =>
    phases.set(label, [...(phases.get(label) ?? []), t - originEpochMs]);
  for (const e of stream) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) add(`stream: ${s.activityType?.name ?? '?'} scheduled`, eventTimeMs(e));
    const st = e.activityTaskStartedEventAttributes;
    if (st) add(`stream: ${typeOf.get(String(st.scheduledEventId)) ?? '?'} started`, eventTimeMs(e));
    const c = e.activityTaskCompletedEventAttributes;
    if (c) add(`stream: ${typeOf.get(String(c.scheduledEventId)) ?? '?'} completed`, eventTimeMs(e));
  }
  const spread = (values: number[]) => [Math.min(...values), median(values), Math.max(...values)];
  for (const [label, values] of phases) rows.push({ label, ms: spread(values) });

  const shards = await Promise.all(
    shardIds.map((id) =>
      shardMilestones(
        client,
        shardWorkflowId(streamName, id),
        firstRecordByShard.get(id) ?? null,
        startActivities.get(id),
      ),
    ),
  );
  const shardRow = (label: string, pick: (m: ShardMilestones) => number | null) => {
    const values = shards.flatMap((m) => {
      const v = rel(pick(m));
      return v === null ? [] : [v];
    });
    if (values.length > 0) rows.push({ label, ms: spread(values) });
  };
  shardRow('shard: workflow started', (m) => m.started);
  shardRow('shard: first WFT started', (m) => m.firstTaskStarted);
  shardRow('shard: first WFT completed', (m) => m.firstTaskCompleted);
  shardRow('shard: consume scheduled', (m) => m.consumeScheduled);
  shardRow('shard: consume started', (m) => m.consumeStarted);
  shardRow('shard: first record handled', (m) => m.firstRecord);
  // Per shard: how long each step took (medians of the shard's own differences).
  const step = (
    label: string,
    from: (m: ShardMilestones) => number | null,
    to: (m: ShardMilestones) => number | null,
  ) => {
    const values = shards.flatMap((m) => {
      const a = from(m);
      const b = to(m);
      return a === null || b === null ? [] : [b - a];
    });
    if (values.length > 0) rows.push({ label: `  step: ${label}`, ms: spread(values) });
  };
  step(
    'start activity started → shard started',
    (m) => m.startActivityStarted,
    (m) => m.started,
  );
  step(
    'shard started → start activity completed',
    (m) => m.started,
    (m) => m.startActivityCompleted,
  );
  step(
    'shard started → first WFT started',
    (m) => m.started,
    (m) => m.firstTaskStarted,
  );
  step(
    'first WFT started → completed',
    (m) => m.firstTaskStarted,
    (m) => m.firstTaskCompleted,
  );
  step(
    'first WFT completed → consume started',
    (m) => m.firstTaskCompleted,
    (m) => m.consumeStarted,
  );
  step(
    'consume started → first record',
    (m) => m.consumeStarted,
    (m) => m.firstRecord,
  );
  return { rows, eagerShards: shards.filter((m) => m.eager).length, shards: shards.length };
}

/** The same rows for the plain loop: each shard's first record handled. */
export function plainTimeline(
  originEpochMs: number,
  firstRecordByShard: ReadonlyMap<string, number>,
): StartupTimeline['rows'] {
  const values = [...firstRecordByShard.values()].map((t) => t - originEpochMs);
  if (values.length === 0) return [];
  return [
    { label: 'plain: first record handled', ms: [Math.min(...values), median(values), Math.max(...values)] },
  ];
}

export function renderTimeline(title: string, rows: StartupTimeline['rows'], note = ''): string {
  const lines = rows.map(
    ({ label, ms }) =>
      `  ${label.padEnd(44)} ${ms.map((v) => Math.round(v).toString().padStart(6)).join(' ')}`,
  );
  return [`start-up trace ${title} (ms since the start call; min median max)${note}`, ...lines].join('\n');
}
