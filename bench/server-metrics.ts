/**
 * The Temporal dev server's own request counters (`service_requests` on its Prometheus
 * `/metrics`, started with `temporal.metrics` in the local stack): heartbeats that reach the
 * server, whichever process sent them, which the SDK's throttling hides from history and from
 * any one worker's client-side counters.
 */
import { counterValue } from './temporal-metrics';

/** Frontend operations that are billed as one heartbeat action each. */
export const HEARTBEAT_OPERATIONS = ['RecordActivityTaskHeartbeat', 'RecordActivityTaskHeartbeatById'];

/** Sum of the frontend's `service_requests` for `operations` in a scrape. */
export function frontendRequests(text: string, operations: readonly string[]): number {
  return operations.reduce(
    (n, operation) => n + counterValue(text, 'service_requests', { operation, service_name: 'frontend' }),
    0,
  );
}

export interface ServerMetrics {
  /** Heartbeats the frontend has answered so far (all namespaces, all workers). */
  heartbeats(): Promise<number>;
}

export function serverMetrics(url: string): ServerMetrics {
  return {
    async heartbeats() {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
      return frontendRequests(await response.text(), HEARTBEAT_OPERATIONS);
    },
  };
}
