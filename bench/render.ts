/** The human-readable report: one table per section, each figure beside its baseline. */
import { formatDuration } from '../src/config/duration';
import type { DrainResult, DrainRun } from './drain';
import type { IdleCostResult, IdleWindow } from './idle-cost';
import type { LatencyResultSet, LatencyRun } from './latency';
import type { LatencyResult } from './latency-recorder';
import { FLOOR_EVENTS_PER_ACTIVITY, type RecordsHistory } from './records-history';
import type { BenchReport } from './report';
import { ACTION_GOALS, type ActionsWindow } from './actions';
import { formatMetricsCost } from './render-metrics';
import type { RssResult, RssRun } from './rss';
import { mean } from './stats';
import { num, table } from './table';

const avg = (runs: readonly DrainRun[], pick: (r: DrainRun) => number | null): number =>
  mean(runs.map(pick).filter((v): v is number => v !== null));

function callStats(runs: readonly DrainRun[], command: string) {
  const perBatch = avg(runs, (r) => (r.kinesisCalls[command]?.calls ?? 0) / Math.max(1, r.batches));
  const ms = avg(runs, (r) => {
    const c = r.kinesisCalls[command];
    return c && c.calls > 0 ? c.totalMs / c.calls : null;
  });
  return { perBatch, ms };
}

function formatDrain(results: readonly DrainResult[]): string {
  if (results.length === 0) return '';
  const first = results[0] as DrainResult;
  const rates = results.map((d) => {
    const list = (c: string) =>
      d.runs
        .filter((r) => r.consumer === c)
        .map((r) => num(r.recordsPerSecond))
        .join(', ');
    return [
      d.backend,
      String(d.shards),
      String(d.records),
      num(d.kspRecordsPerSecond),
      list('ksp'),
      num(d.plainRecordsPerSecond),
      list('plain'),
      num(d.ratio, 2),
      `${num(d.kspFirstRecordMs)} / ${num(d.plainFirstRecordMs)}`,
      `${num(d.kspSteadyRecordsPerSecond)} / ${num(d.plainSteadyRecordsPerSecond)}`,
      num(d.steadyRatio, 2),
      num(d.unpacedRecordsPerSecond),
      num(d.kspActionsPer1000, 2),
      d.runs
        .filter((r) => r.consumer === 'ksp')
        .map((r) => String(r.retriedAttempts ?? '-'))
        .join(', '),
    ];
  });
  const detail = results.flatMap((d) =>
    (['ksp', 'plain', 'unpaced'] as const).map((consumer) => {
      const runs = d.runs.filter((r) => r.consumer === consumer);
      const gr = callStats(runs, 'GetRecords');
      const gsi = callStats(runs, 'GetShardIterator');
      const cpu = (name: string) =>
        num(
          avg(runs, (r) => {
            const ms = r.cpuMs[name];
            return ms === undefined ? null : ms / 1000;
          }),
          1,
        );
      const cycle = avg(runs, (r) => r.meanBatchCycleMs);
      const other = cycle - gr.ms - gsi.perBatch * (Number.isFinite(gsi.ms) ? gsi.ms : 0);
      return [
        `${d.backend} ${d.shards} ${consumer}`,
        num(avg(runs, (r) => r.firstRecordMs)),
        num(
          avg(runs, (r) =>
            r.firstRecordMs === null ? null : r.records / (r.seconds - r.firstRecordMs / 1000),
          ),
        ),
        num(avg(runs, (r) => r.batches)),
        num(avg(runs, (r) => r.records / Math.max(1, r.batches))),
        num(cycle, 1),
        num(gr.ms, 1),
        num(gsi.perBatch, 2),
        num(gsi.ms, 1),
        num(other, 1),
        num(
          avg(runs, (r) => r.seconds),
          2,
        ),
        cpu('bench'),
        cpu('temporal'),
        cpu('kinesis-local'),
      ];
    }),
  );
  const turnarounds = results.map((d) => {
    const runs = d.runs.filter((r) => r.consumer === 'ksp');
    const wft = avg(runs, (r) => r.turnaround?.workflowTaskMs ?? null);
    const start = avg(runs, (r) => r.turnaround?.scheduleToStartMs ?? null);
    return `   ${d.backend} ${d.shards} shards: ${num(wft, 1)} ms workflow task (batch completed → next scheduled) + ${num(start, 1)} ms schedule-to-start = ${num(wft + start, 1)} ms per batch`;
  });
  return [
    `1. Backlog drain, records/s: N small JSON records (~70 B) over each shard count, fresh stream per run with an identical fill;`,
    `   ksp = stream workflow + shard workflows (batchSize ${first.batchSize}, TRIM_HORIZON, in-process worker, no-op handler), timed to the handler's last record (the checkpoint follows when the shard activity returns);`,
    `   plain = one GetRecords loop per shard (Limit ${first.batchSize}, calls ≥ 200 ms apart like the ksp reader: Kinesis allows 5/s per shard), timed to the last record.`,
    `   unpaced = the same loop without the spacing: the machine's ceiling, not a goal (one run, last).`,
    `   Order per backend: ${first.order.join(', ')} (alternating, against warm-up bias); rates are medians of the runs listed.`,
    `   ksp/plain (goal ≥ 0.95) is judged on the whole drain, start-up included; 1st rec = start-up (median ms to the first record handled);`,
    `   steady = records ÷ (drain time − 1st rec), medians: throughput once records flow (a backlog of ~2 batches per shard is mostly start-up: --drain-records-per-shard).`,
    `   ksp retried attempts = activity attempts retried (a GetRecords past its deadline, heartbeatTimeout / 2, on a starved machine): a run with any is disturbed.`,
    `   actions/1k = billable Temporal actions per 1,000 records drained by ksp (activity starts, running loops included, + heartbeats at the server + signals + upserts + timers + workflow starts; goal ≤ 1).`,
    table(
      [
        'backend',
        'shards',
        'records',
        'ksp rec/s',
        '(runs)',
        'plain rec/s',
        '(runs)',
        'ksp/plain',
        '1st rec ms ksp / plain',
        'steady rec/s ksp / plain',
        'steady ksp/plain',
        'unpaced rec/s',
        'actions/1k',
        'ksp retried attempts (runs)',
      ],
      rates,
    ),
    '',
    '   Where the time goes (means over runs). cycle = time between two batches of one shard; other = cycle − GetRecords − GetShardIterator share:',
    '   for ksp the per-batch Temporal round trip (activity completion → workflow task → next activity); CPU = seconds of process CPU while draining.',
    table(
      [
        'consumer',
        'first rec ms',
        'rec/s from 1st rec',
        'batches',
        'rec/batch',
        'cycle ms',
        'GetRecords ms',
        'GetShardIterator/batch',
        'GSI ms',
        'other ms',
        'drain s',
        'CPU bench',
        'CPU temporal',
        'CPU kinesis-local',
      ],
      detail,
    ),
    "   ksp between two batches of a shard, from the shard workflows' history timestamps (server clock):",
    ...turnarounds,
  ].join('\n');
}

const latencyCells = (r: LatencyResult) => [
  String(r.n),
  num(r.p50),
  num(r.p90),
  num(r.p99),
  num(r.max),
  String(r.missing),
];

function formatLatency(sets: readonly LatencyResultSet[]): string {
  if (sets.length === 0) return '';
  const reads = (run: LatencyRun, who: 'ksp' | 'plain') =>
    run.readsPerShardSecond ? run.readsPerShardSecond[who].toFixed(2) : '';
  const rows = sets.flatMap((set) =>
    set.runs.flatMap((run) => [
      [
        set.backend,
        `${run.ratePerSecond / set.shards}/s/shard`,
        run.defaults ? 'ksp (all defaults)' : `ksp (idlePollInterval ${run.pollIntervalMs} ms)`,
        ...latencyCells(run.ksp),
        reads(run, 'ksp'),
      ],
      [
        '',
        '',
        `plain (poll ${run.pollIntervalMs} ms after empty)`,
        ...latencyCells(run.plain),
        reads(run, 'plain'),
      ],
    ]),
  );
  const first = sets[0]?.runs[0];
  return [
    `2. Put → handler latency when caught up, ms, ${sets[0]?.shards ?? '?'} shards, measured after a warm-up; latency = handler time − time just before PutRecords.`,
    `   ksp (maxPollWait ${first?.maxPollWait ?? '?'}) and the plain loop read the same stream at the same time. First, alone, ksp at ALL its defaults on a steady stream`,
    `   (goal: p50 ≤ 250, p99 ≤ 500 from ≥ 1,000 records, ≤ 2.5 GetRecords/s per shard); then idlePollInterval 1 s and 200 ms at once on their own streams.`,
    `   The plain loop polls like the ksp reader: GetRecords ≥ 200 ms apart, the interval after an empty response. reads/s = GetRecords per second per shard (alone only).`,
    table(['backend', 'rate', 'consumer', 'records', 'p50', 'p90', 'p99', 'max', 'missing', 'reads/s'], rows),
  ].join('\n');
}

function formatRecordsHistory(list: readonly RecordsHistory[]): string[] {
  if (list.length === 0) return [];
  const rows = list.map((h) => [
    h.backend,
    String(h.records),
    num(h.shardEventsPer10k),
    num(h.floorPer10k),
    num(h.activitiesPer10k, 1),
    num(h.eventsPerActivity, 2),
    Object.entries(h.byRolePer10k)
      .map(([role, n]) => `${role} ${num(n)}`)
      .join(', '),
    num(h.heartbeatsPer10k),
    String(h.shardWorkflowRuns),
    num(h.streamWorkflowEvents),
  ]);
  return [
    `   a) per 10,000 records, shard workflows after the ksp drains (every run, continue-as-new included);`,
    `      baseline = the floor of ${FLOOR_EVENTS_PER_ACTIVITY} events per batch activity (activity scheduled/started/completed + one workflow task):`,
    table(
      [
        'backend',
        'records',
        'events/10k',
        'floor/10k',
        'activities/10k',
        'events/activity',
        'by role /10k',
        'heartbeats/10k',
        'shard runs',
        'stream wf events',
      ],
      rows,
    ),
  ];
}

function windowLine(w: IdleWindow): string {
  const types = Object.entries(w.shardEvents)
    .map(([t, n]) => `${t} ${n}`)
    .join(', ');
  return `${w.shards} shards × ${num(w.windowSeconds)} s, maxPollWait ${num(w.maxPollWaitMs / 1000)} s, rediscovery every ${num(w.rediscoverIntervalMs / 1000)} s: ${w.cycles} cycles${w.cycles > 0 ? ` (mean ${num(w.meanCycleSeconds, 2)} s)` : ''}, ${w.shardEventsTotal} shard-workflow events (${types || 'none'}), ${w.streamEventsTotal} stream-workflow events (${w.rediscoveries} rediscoveries), ${w.heartbeats ?? '?'} heartbeats, ${w.getRecordsCalls} GetRecords`;
}

function formatIdle(idle: (IdleCostResult & { backend: string }) | null): string[] {
  if (!idle) return [];
  const d = idle.derived;
  const direct = idle.direct;
  const rows = [
    [
      'history events',
      `${num(d.cyclesPerHour, 2)} cycles/h × ${num(idle.eventsPerCycle, 2)} events/cycle = ${num(d.events, 1)}`,
      direct
        ? `${num(direct.perShardHour.events, 1)} (${direct.shardEventsTotal} events in ${num(direct.windowSeconds)} s × ${direct.shards} shards)`
        : 'not measured',
    ],
    [
      'heartbeats (billed, no events)',
      `${num(d.cyclesPerHour, 2)} × ${d.heartbeatsPerCycle} per cycle (1 at start + 1 per 24 s throttle) = ${num(d.heartbeats)}`,
      direct
        ? `${num(direct.perShardHour.heartbeats)} (${direct.heartbeats ?? '?'} in the window)`
        : 'not measured',
    ],
    [
      'GetRecords calls (Kinesis)',
      `1 h ÷ (${num(idle.short.idlePollIntervalMs)} ms idlePollInterval + ${num(idle.short.getRecordsMeanMs, 1)} ms per call) = ${num(d.getRecordsCalls)}`,
      direct ? `${num(direct.perShardHour.getRecordsCalls)}` : 'not measured',
    ],
  ];
  return [
    `   b) per idle shard (${idle.backend}): measured: ${windowLine(idle.short)}`,
    `      → ${num(idle.eventsPerCycle, 2)} events per poll cycle; a cycle lasts maxPollWait + ${num(idle.cycleOverheadSeconds, 2)} s.`,
    ...(direct ? [`      direct, default maxPollWait: ${windowLine(direct)}`] : []),
    `      Stream workflow: ${num(idle.streamEventsPerRediscovery, 1)} events per rediscovery round → ${num(idle.streamEventsPerHour)} per stream-hour at its default 5 min (derived), whatever the shard count.`,
    `      Per idle shard-hour at the default maxPollWait ${num(d.maxPollWaitMs / 60_000)} min:`,
    table(
      [
        'per shard-hour',
        'derived',
        `measured directly${direct ? ` (${num(direct.windowSeconds)} s window)` : ''}`,
      ],
      rows,
    )
      .split('\n')
      .map((l) => `      ${l}`)
      .join('\n'),
  ];
}

function formatRss(rss: (RssResult & { backend: string }) | null): string {
  if (!rss) return '';
  const mib = (v: number) => num(v, 1);
  const rows = rss.runs.map((r) => [
    String(r.shards),
    `${mib(r.idle.medianMiB)} (${mib(r.idle.minMiB)}–${mib(r.idle.maxMiB)})`,
    `${mib(r.consuming.medianMiB)} (${mib(r.consuming.minMiB)}–${mib(r.consuming.maxMiB)})`,
    `${mib(r.draining.medianMiB)} (max ${mib(r.draining.maxMiB)})`,
    mib(r.deltaMiB),
    num(r.perShardMiB, 2),
  ]);
  const starts = (s: RssRun['scheduleToStartEnd']) =>
    s === null
      ? 'n/a'
      : `${s.activities} activities, mean ${num(s.meanMs, 0)} ms, ${s.over1s} over 1 s, slowest ≤ ${
          s.maxBoundMs === null ? 'n/a' : s.maxBoundMs === Infinity ? '∞' : `${num(s.maxBoundMs)} ms`
        }`;
  const slotRows = rss.runs.map((r) => [
    String(r.shards),
    `${r.drainRecords} rec in ${num(r.drainSeconds, 1)} s, ${r.shardsCaughtUp}/${r.shardsWithRecords} shards caught up`,
    `${r.maxActivitySlotsUsed ?? 'n/a'} of ${r.activitySlots}`,
    String(r.maxWorkflowsCached ?? 'n/a'),
    starts(r.scheduleToStartDrained),
    starts(r.scheduleToStartEnd),
  ]);
  return [
    `4. Worker RSS, MiB (VmRSS, median of ${rss.samples} samples 1 s apart after ${num(rss.settleSeconds)} s settling; min–max in brackets):`,
    `   a fresh \`node dist/workers/main.js\` per row (no-op handler, pre-built workflow bundle, ${rss.backend}); baseline = the same process idle with 0 shards,`,
    `   then a stream of that many shards, the backlog below handled, idle long polls; "while draining" samples every 500 ms from the consumer's start until every shard caught up (goal: ≤ 1 GiB at 1,000 shards).`,
    table(['shards', 'idle, 0 shards', 'consuming', 'while draining', 'delta', 'per shard'], rows),
    ...(rss.marginalPerShardMiB === null
      ? []
      : [
          `   one more shard costs ${num(rss.marginalPerShardMiB, 2)} MiB (difference of the deltas ÷ difference of the shard counts); the rest is a fixed cost of running any stream.`,
        ]),
    `   Activity slots (worker metrics: task_slots_used scraped every 2 s while draining; schedule-to-start histogram, cumulative; goal: no shard waits for a slot):`,
    table(
      [
        'shards',
        'backlog',
        'slots used (max)',
        'workflows cached (max)',
        'schedule-to-start after the drain',
        'after the idle samples',
      ],
      slotRows,
    ),
  ].join('\n');
}

function formatActions(a: BenchReport['actions']): string {
  if (!a) return '';
  const row = (what: string, w: ActionsWindow, value: string, goal: string) => [
    what,
    num(w.seconds),
    String(w.records),
    String(w.actions.total),
    `${w.actions.activityStarts}/${w.actions.heartbeats}/${w.actions.signals}/${w.actions.searchAttributeUpserts}/${w.actions.timers}/${w.actions.workflowStarts}`,
    value,
    goal,
    num(w.eventsPerShardHour),
    String(w.kinesisCalls.GetRecords ?? 0),
  ];
  return [
    `6. Billable Temporal actions, counted (${a.backend}, ${a.shards} shards, default stream options, in-process worker):`,
    '   activity starts (every attempt) + heartbeats that reached the server (its frontend counters) + signals + search-attribute upserts',
    "   + timers + workflow starts (continue-as-new included) + updates + markers, from the stream and shard workflows' histories.",
    table(
      [
        'window',
        's',
        'records',
        'actions',
        'act/hb/sig/upsert/timer/start',
        'measured',
        'goal',
        'events/shard-h',
        'GetRecords',
      ],
      [
        row(
          `steady ${a.ratePerShard} rec/s per shard`,
          a.steady,
          `${num(a.steady.actionsPer1000Records, 1)} per 1k records`,
          `≤ ${ACTION_GOALS.steadyPer1000} per 1k`,
        ),
        row(
          'idle',
          a.idle,
          `${num(a.idle.actionsPerShardHour)} per shard-hour`,
          `≤ ${ACTION_GOALS.idlePerShardHour} per shard-hour`,
        ),
      ],
    ),
    `   idle: a ${num(a.idle.seconds)} s window scaled to an hour${a.idle.seconds < 300 ? ' (shorter than the 5-minute poll cycle: no cycle end seen, heartbeats only)' : ''}.`,
    `   drain: actions per 1,000 records are in section 1 (goal ≤ ${ACTION_GOALS.drainPer1000}).`,
  ].join('\n');
}

function formatWorkers(w: BenchReport['workers']): string {
  if (!w) return '';
  const fmt = (s: { perWorker: Record<string, number>; closedPerWorker: Record<string, number> }) =>
    Object.entries(s.perWorker)
      .map(([k, v]) => `${k} ${num(v)} (${s.closedPerWorker[k] ?? 0} activities completed)`)
      .join(', ');
  const f = w.failover;
  const d = w.deliveries;
  const secs = (v: number | null) =>
    v === null ? `never (${f.unconsumed} shards not within the wait)` : `${num(v, 1)} s`;
  return [
    `7. Several workers (${w.backend}): ${w.workers} worker processes, one task queue, ${w.shards} shards at ${w.ratePerShard} rec/s per shard, default stream options.`,
    `   shard-seconds held per worker over ${num(w.windowSeconds)} s: ${fmt(w.spread)}; busiest ÷ least busy ${num(w.spread.ratio, 2)} (goal ≤ 1.5)`,
    `   SIGKILL of a (running ${f.killedShards} shards) → every shard's handler handed a record put after it in ${secs(f.seconds)} (a's shards ${f.killedShardsFirstSeconds === null ? '' : `${num(f.killedShardsFirstSeconds, 1)}–`}${secs(f.killedShardsSeconds)}, the others ${secs(f.otherShardsSeconds)}; goal ≤ heartbeatTimeout ${num(w.heartbeatTimeoutSeconds)} s); activities then running on ${JSON.stringify(f.holdersAfter)}`,
    `   after a worker joined: ${fmt(w.joined)}; busiest ÷ least busy among the live ones ${num(w.joined.ratio, 2)} (goal ≤ 1.5)`,
    `   records put ${d.produced}: ${d.lost} lost, ${d.redelivered} redelivered (${d.redeliveredFromWorker} of them first handed to a), ${d.orderViolations} first deliveries out of per-key order${d.examples.length > 0 ? ` (${d.examples.join('; ')})` : ''}; put → first handled p50 ${num(d.lagMs.p50)} ms, p99 ${num(d.lagMs.p99)} ms, max ${num(d.lagMs.max)} ms`,
  ].join('\n');
}

/** The header's note of `--worker-env`, when set (absent in older reports). */
function workerEnvNote(env: Record<string, string> | undefined): string {
  const pairs = Object.entries(env ?? {}).map(([k, v]) => `${k}=${v}`);
  return pairs.length === 0 ? '' : `; worker processes with ${pairs.join(' ')} (--worker-env)`;
}

/** The header's note of the consuming loop, when `--activity-lifetime` set one (absent in older reports). */
function lifetimeNote(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  return `; maxActivityLifetime ${ms === 0 ? '0 (one activity per batch)' : formatDuration(ms)} (--activity-lifetime)`;
}

export function formatReport(report: BenchReport): string {
  const m = report.machine;
  const history = [...formatRecordsHistory(report.recordsHistory), ...formatIdle(report.idle)];
  const source = report.source;
  return [
    `ksp bench — ${m.cpus} CPUs, ${num(m.memoryGiB, 1)} GiB, Node ${m.node}; load average ${num(m.loadAverageStart, 2)} → ${num(m.loadAverageEnd, 2)}; ${num(report.seconds)} s${report.options.quick ? ' (--quick)' : ''}${lifetimeNote(report.options.maxActivityLifetimeMs)}${workerEnvNote(report.options.workerEnv)}`,
    `code: ${source.commit ?? 'unknown commit'}${source.uncommittedFiles ? ` + ${source.uncommittedFiles} uncommitted files (dist/ is built from the working tree)` : ''}`,
    formatDrain(report.drain),
    formatLatency(report.latency),
    history.length > 0 ? ['3. Temporal history events', ...history].join('\n') : '',
    formatRss(report.rss),
    formatMetricsCost(report.metrics),
    formatActions(report.actions),
    formatWorkers(report.workers),
  ]
    .filter(Boolean)
    .join('\n\n');
}
