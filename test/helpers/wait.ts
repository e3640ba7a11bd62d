/**
 * Polling instead of sleeps (STYLE.md habit 13).
 */

export interface WaitForOptions {
  /** @default 10_000 */
  timeoutMs?: number;
  /** @default 100 */
  intervalMs?: number;
  /** What is awaited, for the timeout message, e.g. `'3 records in the sink'`. */
  what: string;
}

/**
 * Calls `predicate` until it returns a truthy value (returned) or `timeoutMs` passes; errors
 * thrown by the predicate count as "not yet". The timeout error quotes the last error or value.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 100, what }: WaitForOptions,
): Promise<NonNullable<T>> {
  const started = Date.now();
  let last = 'never evaluated';
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value;
      last = `last value: ${JSON.stringify(value)}`;
    } catch (err) {
      last = `last error: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (Date.now() - started >= timeoutMs) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what} (${last}).`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
