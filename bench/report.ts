/** Everything one `ksp bench` run measured, as written by `--json <file>`. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ActionsResult } from './actions';
import type { DrainResult } from './drain';
import type { WorkersResult } from './workers';
import type { IdleCostResult } from './idle-cost';
import type { LatencyResultSet } from './latency';
import type { MetricsCostResult } from './metrics-cost';
import { projectRoot } from '../src/local/paths';
import type { BenchOptions } from './options';
import type { RecordsHistory } from './records-history';
import type { RssResult } from './rss';

export interface MachineInfo {
  cpus: number;
  memoryGiB: number;
  node: string;
  /** 1-minute load average when the run started and ended: how noisy the machine was. */
  loadAverageStart: number;
  loadAverageEnd: number | null;
}

/** The code measured: dist/ is built from the working tree, committed or not. */
export interface SourceInfo {
  commit: string | null;
  /** Files that differ from the commit (`git status --porcelain`), null outside a git checkout. */
  uncommittedFiles: number | null;
}

export interface BenchReport {
  startedAt: string;
  source: SourceInfo;
  seconds: number;
  machine: MachineInfo;
  options: BenchOptions;
  drain: DrainResult[];
  latency: LatencyResultSet[];
  recordsHistory: RecordsHistory[];
  idle: (IdleCostResult & { backend: string }) | null;
  rss: (RssResult & { backend: string }) | null;
  metrics: (MetricsCostResult & { backend: string }) | null;
  actions: (ActionsResult & { backend: string }) | null;
  workers: (WorkersResult & { backend: string }) | null;
}

function git(args: string[]): string | null {
  const out = spawnSync('git', args, { cwd: projectRoot(), encoding: 'utf8' });
  return out.status === 0 ? out.stdout : null;
}

function sourceInfo(): SourceInfo {
  const status = git(['status', '--porcelain']);
  return {
    commit: git(['rev-parse', '--short', 'HEAD'])?.trim() ?? null,
    uncommittedFiles: status === null ? null : status.split('\n').filter(Boolean).length,
  };
}

export function newReport(options: BenchOptions): BenchReport {
  return {
    startedAt: new Date().toISOString(),
    source: sourceInfo(),
    seconds: 0,
    machine: {
      cpus: os.cpus().length,
      memoryGiB: os.totalmem() / 2 ** 30,
      node: process.version,
      loadAverageStart: os.loadavg()[0] ?? 0,
      loadAverageEnd: null,
    },
    options,
    drain: [],
    latency: [],
    recordsHistory: [],
    idle: null,
    rss: null,
    metrics: null,
    actions: null,
    workers: null,
  };
}

export function finishReport(report: BenchReport, startedAt: number): void {
  report.seconds = (performance.now() - startedAt) / 1000;
  report.machine.loadAverageEnd = os.loadavg()[0] ?? null;
}

export function writeReport(report: BenchReport, file: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
