/** What every benchmark section is handed: the backend's stack, the options, the clock-side helpers. */
import type { BenchStack } from './bench-stack';
import type { BenchOptions } from './options';
import type { TemporalMetrics } from './temporal-metrics';

export interface SectionContext {
  stack: BenchStack;
  options: BenchOptions;
  metrics: TemporalMetrics;
  /** Aborted on Ctrl-C: sections stop waiting and clean up. */
  signal: AbortSignal;
  /** Progress lines (stderr); the results are printed at the end. */
  log: (message: string) => void;
  /** The pre-built workflow bundle (for worker child processes). */
  workflowBundlePath: string;
  /** Where server and worker-process logs go. */
  logDir: string;
}
