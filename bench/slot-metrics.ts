/**
 * Whether a worker process's shards waited for an activity slot, read from the SDK's own
 * Prometheus metrics (KSP_METRICS_ADDRESS): the activity schedule-to-start histogram (a task
 * waits at the server until a poll with a reserved slot takes it) and the activity slots in use.
 */

export interface ScheduleToStart {
  /** Activity tasks the worker started so far. */
  activities: number;
  meanMs: number;
  /** Tasks that waited more than 1 s between scheduling and start. */
  over1s: number;
  /** Upper bound of the histogram bucket that holds the slowest start (Infinity: past the last bound). */
  maxBoundMs: number | null;
}

export interface SlotSample {
  scheduleToStart: ScheduleToStart | null;
  /** temporal_worker_task_slots_used of the activity worker; null when the worker does not export it. */
  activitySlotsUsed: number | null;
  /** temporal_sticky_cache_size: workflow runs the worker holds cached; null when not exported yet. */
  workflowsCached: number | null;
}

interface Line {
  name: string;
  labels: string;
  value: number;
}

function lines(text: string): Line[] {
  const out: Line[] = [];
  for (const raw of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(raw);
    if (m) out.push({ name: m[1] as string, labels: m[2] ?? '', value: Number(m[3]) });
  }
  return out;
}

/** Milliseconds per unit of a histogram named with an optional unit suffix. */
function msPerUnit(name: string): number {
  return /_seconds(_|$)/.test(name) ? 1_000 : 1;
}

export function scheduleToStart(text: string): ScheduleToStart | null {
  const all = lines(text).filter((l) => l.name.startsWith('temporal_activity_schedule_to_start_latency'));
  const buckets = all.filter((l) => l.name.endsWith('_bucket'));
  const count = all.filter((l) => l.name.endsWith('_count')).reduce((s, l) => s + l.value, 0);
  const sum = all.filter((l) => l.name.endsWith('_sum')).reduce((s, l) => s + l.value, 0);
  if (buckets.length === 0) return null;
  const unit = msPerUnit(buckets[0]?.name ?? '');
  const byBound = new Map<number, number>();
  for (const b of buckets) {
    const le = /le="([^"]+)"/.exec(b.labels)?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Infinity : Number(le) * unit;
    byBound.set(bound, (byBound.get(bound) ?? 0) + b.value);
  }
  const bounds = [...byBound.keys()].sort((a, b) => a - b);
  const atMost1s = bounds.filter((b) => b <= 1_000).map((b) => byBound.get(b) ?? 0);
  const within1s = atMost1s.length > 0 ? Math.max(...atMost1s) : 0;
  const maxBoundMs = count === 0 ? null : (bounds.find((b) => (byBound.get(b) ?? 0) >= count) ?? null);
  return {
    activities: count,
    meanMs: count === 0 ? 0 : (sum * unit) / count,
    over1s: count - within1s,
    maxBoundMs,
  };
}

export function activitySlotsUsed(text: string): number | null {
  const used = lines(text).filter(
    (l) => l.name === 'temporal_worker_task_slots_used' && l.labels.includes('worker_type="ActivityWorker"'),
  );
  return used.length === 0 ? null : used.reduce((s, l) => s + l.value, 0);
}

/** The worker's cached workflow runs (the SDK core's sticky cache gauge), or null. */
export function workflowsCached(text: string): number | null {
  const cached = lines(text).filter((l) => l.name === 'temporal_sticky_cache_size');
  return cached.length === 0 ? null : cached.reduce((s, l) => s + l.value, 0);
}

export async function sampleSlots(port: number): Promise<SlotSample> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics on 127.0.0.1:${port} answered ${response.status}`);
  const text = await response.text();
  return {
    scheduleToStart: scheduleToStart(text),
    activitySlotsUsed: activitySlotsUsed(text),
    workflowsCached: workflowsCached(text),
  };
}
