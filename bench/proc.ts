/**
 * Process figures from Linux /proc: resident memory of a process, and CPU time used by this
 * process and by the servers it started (the Temporal dev server, kinesis-local, worker children).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number(out.stdout?.trim());
    clockTicks = Number.isInteger(n) && n > 0 ? n : 100;
  }
  return clockTicks;
}

/** VmRSS of `pid` in MiB, or null when the process is gone. */
export function rssMiB(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  } catch {
    return null;
  }
}

interface ProcStat {
  ppid: number;
  cpuMs: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state ppid … utime(14) stime(15), counted from 1 over the whole line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { ppid: Number(fields[1]), cpuMs: (ticks * 1000) / ticksPerSecond() };
  } catch {
    return null;
  }
}

/** CPU milliseconds (user + system) `pid` has used, or null when it is gone. */
export function cpuMsOf(pid: number): number | null {
  return readStat(pid)?.cpuMs ?? null;
}

function label(pid: number): string {
  let cmdline = '';
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return `pid ${pid}`;
  }
  if (/\btemporal\b.*\bstart-dev\b/.test(cmdline)) return 'temporal';
  if (cmdline.includes('kinesis-local')) return 'kinesis-local';
  if (cmdline.includes('workers/main')) return 'worker';
  return `pid ${pid}`;
}

/** CPU milliseconds used so far: `bench` (this process, every thread) and each direct child by role. */
export type CpuReading = Record<string, number>;

export function readCpu(): CpuReading {
  const self = process.cpuUsage();
  const reading: CpuReading = { bench: (self.user + self.system) / 1000 };
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = readStat(pid);
    if (stat?.ppid !== process.pid) continue;
    const name = label(pid);
    reading[name] = (reading[name] ?? 0) + stat.cpuMs;
  }
  return reading;
}

/** CPU milliseconds each process used since `before`. */
export function cpuSince(before: CpuReading): CpuReading {
  const now = readCpu();
  return Object.fromEntries(Object.entries(now).map(([name, ms]) => [name, ms - (before[name] ?? 0)]));
}
