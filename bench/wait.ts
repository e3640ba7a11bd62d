/** Polling with a deadline, and sleeps that end early when the bench is interrupted. */
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitUntilOptions {
  what: string;
  timeoutMs: number;
  intervalMs: number;
  signal?: AbortSignal;
}

/** Sleeps `ms`; rejects with an AbortError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : {});
}

/** Calls `check` every `intervalMs` until it returns true; errors count as "not yet" until the deadline. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  options: WaitUntilOptions,
): Promise<void> {
  const deadline = performance.now() + options.timeoutMs;
  let last = 'not yet';
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (performance.now() >= deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what} (${last})`);
    }
    await sleep(options.intervalMs, options.signal);
  }
}

/** Resolves as `promise` does, or rejects after `ms` naming `what` (or with an AbortError when `signal` aborts). */
export async function within<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
  signal?: AbortSignal,
): Promise<T> {
  const done = new AbortController();
  const expiry = sleep(ms, signal ? AbortSignal.any([signal, done.signal]) : done.signal).then(() => {
    throw new Error(`timed out after ${ms} ms waiting for ${what}`);
  });
  expiry.catch(() => undefined); // rejects with an AbortError once `promise` has won
  try {
    return await Promise.race([promise, expiry]);
  } finally {
    done.abort();
  }
}
