/**
 * The Temporal SDK runtime of the bench process, installed with a Prometheus endpoint on
 * 127.0.0.1 so the bench can count the worker's calls to the server: heartbeats are billed
 * actions on Temporal Cloud but leave no history events, so only the client side sees them.
 */
import http from 'node:http';
import { DefaultLogger, type LogEntry, Runtime } from '@temporalio/worker';
import { LOOPBACK, getFreePort } from '../src/local/ports';
import { quietRebalanceWorker } from '../src/workers/quiet-rebalance-log';

export interface TemporalMetrics {
  /** RecordActivityTaskHeartbeat calls the in-process workers have made so far; null when unavailable. */
  heartbeats(): Promise<number | null>;
}

function scrape(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

/** Sums the samples of a Prometheus counter whose labels include every given label. */
export function counterValue(text: string, metric: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const close = line.lastIndexOf('}');
    const labelText = line.slice(metric.length + 1, close);
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) {
      sum += Number(line.slice(close + 1).trim());
    }
  }
  return sum;
}

/**
 * Worker warnings and errors, one line each, except the failures every measurement causes on
 * purpose: deleting its stream ends the long poll the terminated workflow left behind.
 */
function logWorkerEntry(entry: LogEntry): void {
  const error = entry.meta?.error as { type?: unknown; message?: unknown } | undefined;
  if (entry.message === 'Activity failed' && error?.type === 'KspStreamNotFound') return;
  const detail: unknown = error?.message ?? entry.meta?.workflowId ?? '';
  const text = typeof detail === 'string' ? detail : JSON.stringify(detail);
  console.error(`[worker ${entry.level}] ${entry.message}${text ? `: ${text}` : ''}`);
}

/**
 * Installs the SDK runtime (warnings and errors logged, SDK Core's from ERROR only) with metrics
 * on a free loopback port. Must run before any worker or native connection exists; when another runtime is already
 * installed, heartbeats are not counted (null) and the bench goes on.
 */
export async function installBenchRuntime(): Promise<TemporalMetrics> {
  const port = await getFreePort();
  try {
    Runtime.install({
      // The rebalance queue's worker registers no workflows by design: its warning goes to DEBUG.
      logger: quietRebalanceWorker(new DefaultLogger('WARN', logWorkerEntry)),
      // Ctrl-C is the bench's to handle: it stops its workers before the servers they talk to.
      shutdownSignals: [],
      telemetryOptions: {
        logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} },
        metrics: { prometheus: { bindAddress: `${LOOPBACK}:${port}` } },
      },
    });
  } catch {
    return { heartbeats: async () => null };
  }
  const url = `http://${LOOPBACK}:${port}/metrics`;
  return {
    async heartbeats() {
      try {
        return counterValue(await scrape(url), 'temporal_request', {
          operation: 'RecordActivityTaskHeartbeat',
        });
      } catch {
        return null;
      }
    },
  };
}
