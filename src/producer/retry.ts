/**
 * Delay before the next attempt of a record: exponential from `initialDelayMs`, capped at
 * `maxDelayMs`, with "equal jitter" (half fixed, half random) so that producers throttled together
 * do not retry together, while the delay still grows with every failure.
 */
export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
}

/** `attempt` is the number of failed attempts so far (1 after the first failure). */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}
