/**
 * What a DLQ replay adds to ksp's metrics (src/metrics/catalog.ts): each message it finished with,
 * by queue (its name, from the URL) and result. A dry run's "would replay" is not counted.
 */
import type { KspMetrics } from '../../metrics/recorder';
import type { MessageResult } from './replay-message';

export function queueName(queueUrl: string): string {
  const path = queueUrl.replace(/\/+$/, '');
  return path.slice(path.lastIndexOf('/') + 1) || queueUrl;
}

export function recordReplayMessage(
  metrics: KspMetrics,
  queueUrl: string,
  result: MessageResult['counted'],
): void {
  if (result === 'wouldReplay') return;
  metrics.count('replayMessages', 1, { queue: queueName(queueUrl), result });
}
