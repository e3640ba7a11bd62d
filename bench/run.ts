/**
 * Runs the selected benchmark sections, backend by backend: one local stack per backend, the
 * drain and latency sections on each, then history (idle shards) and worker memory on one
 * backend (kinesalite when selected: Temporal's costs do not depend on the emulator), side by
 * side since the memory section measures a separate process.
 */
import path from 'node:path';
import type { KinesisKind } from '../src/local/kinesis-emulator';
import { dataDir } from '../src/local/paths';
import { openBenchStack } from './bench-stack';
import type { SectionContext } from './context';
import { type DrainResult, measureDrain, runDrain } from './drain';
import { runIdleCost } from './idle-cost';
import { runActions } from './actions';
import { runLatency } from './latency';
import { runWorkers } from './workers';
import { runMetricsCost } from './metrics-cost';
import type { BenchOptions } from './options';
import { recordsHistory } from './records-history';
import { type BenchReport, finishReport, newReport } from './report';
import { runRss } from './rss';
import { fillEntries } from './streams';
import { installBenchRuntime } from './temporal-metrics';
import { writeWorkflowBundle } from './workflow-bundle';
import { activitySlotsFor } from '../src/workers/activity-slots';

export interface RunBenchOptions {
  signal: AbortSignal;
  log: (message: string) => void;
}

/** The backend that also runs the history and memory sections. */
function singleSectionBackend(backends: readonly KinesisKind[]): KinesisKind {
  return backends.includes('kinesalite') ? 'kinesalite' : (backends[0] as KinesisKind);
}

async function runBackend(ctx: SectionContext, report: BenchReport, onlyHere: boolean): Promise<void> {
  const { options, stack } = ctx;
  const wants = (section: BenchOptions['sections'][number]) => options.sections.includes(section);
  let drain: DrainResult | null = null;
  if (wants('drain')) {
    for (const shards of options.drainShards) {
      const result = await runDrain({ ...ctx, options: { ...options, shards } });
      report.drain.push(result);
      drain ??= result;
    }
  }
  if (wants('latency')) report.latency.push(await runLatency(ctx));
  if (wants('history') && (drain || onlyHere)) {
    // Without the drain section, one ksp drain supplies the histories.
    let runs = drain?.runs;
    if (!runs) {
      const run = await measureDrain(ctx, 'ksp', fillEntries(options.records[stack.backend]));
      ctx.log(`history ${stack.backend}: one ksp drain of ${run.records} records for the history counts`);
      runs = [run];
    }
    const history = recordsHistory(stack.backend, runs);
    if (history) report.recordsHistory.push(history);
  }
  if (!onlyHere) return;
  // Both settle before the stack stops, even when one fails.
  const [idle, rss] = await Promise.allSettled([
    wants('history') ? runIdleCost(ctx) : null,
    wants('rss') ? runRss(ctx) : null,
  ]);
  if (idle.status === 'rejected') throw idle.reason;
  if (rss.status === 'rejected') throw rss.reason;
  if (idle.value) report.idle = { backend: stack.backend, ...idle.value };
  if (rss.value) report.rss = { backend: stack.backend, ...rss.value };
  // Alone: it measures CPU, which the other sections' load would blur.
  if (wants('metrics')) report.metrics = { backend: stack.backend, ...(await runMetricsCost(ctx)) };
  // Alone: they count heartbeats at the server, which every other stream would add to.
  if (wants('actions'))
    report.actions = { backend: stack.backend, ...(await runActions(ctx, options.actions)) };
  if (wants('workers'))
    report.workers = { backend: stack.backend, ...(await runWorkers(ctx, options.workers)) };
}

export async function runBench(options: BenchOptions, run: RunBenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const report = newReport(options);
  const metrics = await installBenchRuntime();
  const benchDir = path.join(dataDir(), 'bench');
  const logDir = path.join(benchDir, 'logs');
  run.log('bundling the workflows once …');
  const workflowBundlePath = await writeWorkflowBundle(path.join(benchDir, 'workflow-bundle.js'));
  const single = singleSectionBackend(options.backends);
  for (const backend of options.backends) {
    run.log(`starting the local stack with ${backend} …`);
    const stack = await openBenchStack(backend, {
      workflowBundlePath,
      logDir,
      activitySlots: activitySlotsFor(Math.max(options.shards, ...options.drainShards)),
      maxActivityLifetimeMs: options.maxActivityLifetimeMs,
    });
    try {
      const ctx: SectionContext = {
        stack,
        options,
        metrics,
        signal: run.signal,
        log: run.log,
        workflowBundlePath,
        logDir,
      };
      await runBackend(ctx, report, backend === single);
    } finally {
      await stack.close();
    }
  }
  finishReport(report, started);
  return report;
}
