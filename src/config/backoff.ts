/**
 * The one backoff formula of the project: exponential from `initialMs` by `coefficient`, capped
 * at `maxMs`. Pure and deterministic: workflow code calls it without jitter (no Math.random in a
 * workflow); activities and the producer pass a random number for jitter.
 */

export interface BackoffPolicy {
  /** Delay before the first retry. */
  initialMs: number;
  /** Growth per retry (Temporal's `backoffCoefficient`). */
  coefficient: number;
  /** Longest delay: growth stops here. */
  maxMs: number;
}

/**
 * Delay before retry number `retry` (0: the first retry), in whole milliseconds:
 * `min(maxMs, initialMs × coefficient^retry)`. With `jitter` (a number from 0 to 1, e.g.
 * `Math.random()`), "equal jitter": half the delay fixed, half scaled by it, so that callers
 * throttled together do not retry together while the delay still grows with every failure.
 */
export function backoffMs(policy: BackoffPolicy, retry: number, jitter?: number): number {
  const exponent = Math.max(0, Math.floor(retry));
  const delay = Math.min(policy.maxMs, policy.initialMs * policy.coefficient ** exponent);
  if (jitter === undefined) return Math.round(delay);
  const share = Math.min(1, Math.max(0, jitter));
  return Math.round(delay / 2 + share * (delay / 2));
}
