/**
 * Where a ksp drain's start-up goes (KSP_BENCH_TRACE=1): the milestones from the client's start
 * call to each shard's first record handled, read from the stream and shard workflows' history
 * event times (server clock, same machine) and the bench's own clock. Printed as ms since the
 * start call, min / median / max over the shards.
 */
import type { Client } from '@temporalio/client';
import { shardWorkflowId, streamWorkflowId } from '../src/constants';
import type { HistoryEvent } from './history-count';
import { eventTimeMs, timestampMs } from './history-timing';
import { median } from './stats';

/** Event times (epoch ms) of one shard workflow's start-up. */
interface ShardMilestones {
  /** Its start activity in the stream workflow (startShardWorkflow, or its batch's startShardWorkflows). */
  startActivityStarted: number | null;
  startActivityCompleted: number | null;
  started: number;
  firstTaskStarted: number | null;
  firstTaskCompleted: number | null;
  consumeScheduled: number | null;
  consumeStarted: number | null;
  firstRecord: number | null;
}

type Milestone = keyof ShardMilestones;

/** Rows of each shard's milestones, ms since the start call. */
const SHARD_ROWS: Array<[label: string, milestone: Milestone]> = [
  ['shard: workflow started', 'started'],
  ['shard: first WFT started', 'firstTaskStarted'],
  ['shard: first WFT completed', 'firstTaskCompleted'],
  ['shard: consume scheduled', 'consumeScheduled'],
  ['shard: consume started', 'consumeStarted'],
  ['shard: first record handled', 'firstRecord'],
];

/** Per-shard steps: how long each took (the shard's own differences). */
const SHARD_STEPS: Array<[label: string, from: Milestone, to: Milestone]> = [
  ['start activity started → shard started', 'startActivityStarted', 'started'],
  ['shard started → start activity completed', 'started', 'startActivityCompleted'],
  ['shard started → first WFT started', 'started', 'firstTaskStarted'],
  ['first WFT started → completed', 'firstTaskStarted', 'firstTaskCompleted'],
  ['first WFT completed → consume started', 'firstTaskCompleted', 'consumeStarted'],
  ['consume started → first record', 'consumeStarted', 'firstRecord'],
];

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
    firstTaskStarted: at(find('workflowTaskStartedEventAttributes')),
    firstTaskCompleted: at(find('workflowTaskCompletedEventAttributes')),
    consumeScheduled: at(find('activityTaskScheduledEventAttributes')),
    consumeStarted,
    firstRecord,
  };
}

export interface StartupTimeline {
  /** Labelled rows: ms since the client's start call, [min, median, max] (one value for the stream's). */
  rows: Array<{ label: string; ms: number[] }>;
}

const spread = (values: number[]): number[] => [Math.min(...values), median(values), Math.max(...values)];

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
  // One pass: an activity's scheduled event comes before its started and completed events, which
  // name it by its scheduled event ID. Start activities are also kept by shard ID (from their
  // input: one shard, or a batch of them).
  const typeOf = new Map<string, string>();
  const shardsOfActivity = new Map<string, string[]>();
  const startActivities = new Map<string, { started: number | null; completed: number | null }>();
  const phases = new Map<string, number[]>();
  for (const e of stream) {
    const t = eventTimeMs(e);
    const add = (label: string) => phases.set(label, [...(phases.get(label) ?? []), t - originEpochMs]);
    const s = e.activityTaskScheduledEventAttributes;
    if (s) {
      const type = s.activityType?.name ?? '?';
      typeOf.set(String(e.eventId), type);
      const data = s.input?.payloads?.[0]?.data;
      if ((type === 'startShardWorkflow' || type === 'startShardWorkflows') && data) {
        const input = JSON.parse(Buffer.from(data).toString('utf8')) as {
          shardId?: string;
          shards?: Array<{ shardId: string }>;
        };
        const ids = input.shards?.map((x) => x.shardId) ?? (input.shardId ? [input.shardId] : []);
        shardsOfActivity.set(String(e.eventId), ids);
      }
      add(`stream: ${type} scheduled`);
      continue;
    }
    const st = e.activityTaskStartedEventAttributes;
    const c = e.activityTaskCompletedEventAttributes;
    const scheduledId = String(st?.scheduledEventId ?? c?.scheduledEventId ?? '');
    if (!st && !c) continue;
    add(`stream: ${typeOf.get(scheduledId) ?? '?'} ${st ? 'started' : 'completed'}`);
    for (const shardId of shardsOfActivity.get(scheduledId) ?? []) {
      const entry = startActivities.get(shardId) ?? { started: null, completed: null };
      if (st) entry.started = t;
      else entry.completed = t;
      startActivities.set(shardId, entry);
    }
  }
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
  /** A row of the shards' values (those they have), as [min, median, max]. */
  const shardRow = (label: string, value: (m: ShardMilestones) => number | null) => {
    const values = shards.flatMap((m) => {
      const v = value(m);
      return v === null ? [] : [v];
    });
    if (values.length > 0) rows.push({ label, ms: spread(values) });
  };
  for (const [label, milestone] of SHARD_ROWS) {
    shardRow(label, (m) => {
      const t = m[milestone];
      return t === null ? null : t - originEpochMs;
    });
  }
  for (const [label, from, to] of SHARD_STEPS) {
    shardRow(`  step: ${label}`, (m) => {
      const a = m[from];
      const b = m[to];
      return a === null || b === null ? null : b - a;
    });
  }
  return { rows };
}

/** The same rows for the plain loop: each shard's first record handled. */
export function plainTimeline(
  originEpochMs: number,
  firstRecordByShard: ReadonlyMap<string, number>,
): StartupTimeline['rows'] {
  const values = [...firstRecordByShard.values()].map((t) => t - originEpochMs);
  if (values.length === 0) return [];
  return [{ label: 'plain: first record handled', ms: spread(values) }];
}

export function renderTimeline(title: string, rows: StartupTimeline['rows']): string {
  const lines = rows.map(
    ({ label, ms }) =>
      `  ${label.padEnd(44)} ${ms.map((v) => Math.round(v).toString().padStart(6)).join(' ')}`,
  );
  return [`start-up trace ${title} (ms since the start call; min median max)`, ...lines].join('\n');
}
