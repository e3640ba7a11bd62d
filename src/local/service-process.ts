/**
 * A server run as a child process of the local stack: output to a log file (or an in-memory
 * tail), the tail quoted in errors, stop = SIGTERM then SIGKILL after a grace period.
 * Children still running when this process exits are SIGKILLed (a Ctrl-C reaches them anyway
 * through the process group; node emulators also watch their parent, see bind-localhost.cjs).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface ServiceProcessOptions {
  /** Human name used in errors, e.g. `the Temporal dev server`. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Appends the child's stdout and stderr here; without it the last 16 KB are kept in memory. */
  logFile?: string;
}

export interface ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Why the process ended (`exit code 1`, `signal SIGKILL`, a spawn error), or undefined while it runs. */
  exitReason(): string | undefined;
  /** The last `maxChars` characters this run wrote, for error messages. */
  logTail(maxChars?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const MEMORY_TAIL_CHARS = 16_384;
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

function readTail(file: string, fromOffset: number, maxChars: number): string {
  try {
    const size = fs.statSync(file).size;
    const start = Math.max(fromOffset, size - maxChars);
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(size - start);
      fs.readSync(fd, buffer, 0, buffer.length, start);
      return buffer.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** Spawns a server process; see {@link ServiceProcess}. Never throws for spawn errors: check exitReason(). */
export function spawnService(options: ServiceProcessOptions): ServiceProcess {
  const { name, command, args, env, logFile } = options;
  let memoryTail = '';
  let logOffset = 0;
  let child: ChildProcess;
  if (logFile) {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const fd = fs.openSync(logFile, 'a');
    fs.writeSync(fd, `--- ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
    logOffset = fs.fstatSync(fd).size;
    try {
      child = spawn(command, args, { env, stdio: ['ignore', fd, fd] });
    } finally {
      fs.closeSync(fd);
    }
  } else {
    child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (data: Buffer) => {
      memoryTail = (memoryTail + data.toString('utf8')).slice(-MEMORY_TAIL_CHARS);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }
  let reason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      reason ??= signal ? `signal ${signal}` : `exit code ${code}`;
      running.delete(child);
      resolve();
    });
    child.once('error', (err) => {
      reason ??= `could not start ${command}: ${err.message}`;
      running.delete(child);
      // 'exit' does not follow a spawn error.
      if (child.pid === undefined) resolve();
    });
  });
  running.add(child);
  installExitHook();

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 10_000): Promise<void> => {
    stopping ??= (async () => {
      if (reason !== undefined) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };

  return {
    name,
    child,
    exitReason: () => reason,
    logTail: (maxChars = 4_000) =>
      logFile ? readTail(logFile, logOffset, maxChars) : memoryTail.slice(-maxChars),
    stop,
  };
}

/** An Error for a server that failed to start, quoting its log tail and naming the log file. */
export function startFailure(service: ServiceProcess, problem: string, logFile?: string): Error {
  const exit = service.exitReason();
  const tail = service.logTail().trim();
  return new Error(
    `${service.name} failed to start: ${problem}${exit ? ` (process ended: ${exit})` : ''}.` +
      (tail ? `\n--- last output${logFile ? ` (${logFile})` : ''} ---\n${tail}` : ' It wrote no output.'),
  );
}
