/**
 * An HTTP proxy on 127.0.0.1 in front of an AWS emulator (Kinesis or SQS, JSON protocols), where
 * the chaos scenarios inject what the emulators never do on their own:
 * - a stall: requests are held (no answer, connection open) until the stall ends, as a network
 *   partition or an overloaded endpoint looks to a client;
 * - throttling: a share of the calls of chosen operations answered 400
 *   `ProvisionedThroughputExceededException`, never forwarded;
 * - partial PutRecords failures: a share of the entries is removed from the request before it is
 *   forwarded (so a failed entry is really not written) and reported failed at its index.
 * Every decision comes from a seeded PRNG, so a run can be repeated.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOPBACK } from '../src/local/ports';
import { seededRandom } from './seeded-random';

export interface FaultPlan {
  /** Operations (the part after the dot of `X-Amz-Target`, e.g. `GetRecords`) to throttle. */
  throttle?: { operations: string[]; rate: number };
  /** Share of PutRecords entries reported failed (and not written). */
  putEntryFailureRate?: number;
}

export interface FaultCounts {
  forwarded: number;
  throttled: number;
  failedEntries: number;
  /** Requests that were held by a stall before being forwarded. */
  stalled: number;
}

interface PutRecordsBody {
  Records?: unknown[];
}
interface PutRecordsAnswer {
  FailedRecordCount?: number;
  Records?: unknown[];
  [k: string]: unknown;
}

export class FaultProxy {
  plan: FaultPlan = {};
  readonly counts: FaultCounts = { forwarded: 0, throttled: 0, failedEntries: 0, stalled: 0 };
  private stallEnds: Array<() => void> | null = null;
  private readonly random: () => number;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  private constructor(
    private readonly server: http.Server,
    private readonly target: URL,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  /** Starts the proxy on a free 127.0.0.1 port in front of `targetEndpoint` (`http://127.0.0.1:port`). */
  static async start(targetEndpoint: string, seed = 7): Promise<FaultProxy> {
    const server = http.createServer();
    const proxy = new FaultProxy(server, new URL(targetEndpoint), seed);
    server.on('request', (req, res) => void proxy.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
    return proxy;
  }

  get endpoint(): string {
    return `http://${LOOPBACK}:${(this.server.address() as AddressInfo).port}`;
  }

  /** Holds every request until `endStall()`. */
  startStall(): void {
    this.stallEnds ??= [];
  }

  endStall(): void {
    const waiting = this.stallEnds ?? [];
    this.stallEnds = null;
    for (const release of waiting) release();
  }

  async close(): Promise<void> {
    this.endStall();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    if (this.stallEnds) {
      this.counts.stalled++;
      await new Promise<void>((resolve) => this.stallEnds?.push(resolve) ?? resolve());
    }
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    const throttle = this.plan.throttle;
    if (throttle && throttle.operations.includes(operation) && this.random() < throttle.rate) {
      this.counts.throttled++;
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({
          __type: 'ProvisionedThroughputExceededException',
          message: 'Rate exceeded for shard (injected by the chaos fault proxy)',
        }),
      );
      return;
    }
    let failedAt: Set<number> | null = null;
    let entries = 0;
    if (operation === 'PutRecords' && (this.plan.putEntryFailureRate ?? 0) > 0) {
      const parsed = JSON.parse(body.toString('utf8')) as PutRecordsBody;
      const records = parsed.Records ?? [];
      entries = records.length;
      failedAt = new Set(
        records.flatMap((_, i) => (this.random() < (this.plan.putEntryFailureRate ?? 0) ? [i] : [])),
      );
      if (failedAt.size === entries) failedAt.delete(0); // keep the request valid: at least one entry
      parsed.Records = records.filter((_, i) => !failedAt?.has(i));
      body = Buffer.from(JSON.stringify(parsed));
    }
    this.counts.forwarded++;
    const upstream = http.request(
      {
        host: this.target.hostname,
        port: this.target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: this.target.host, 'content-length': String(body.length) },
        agent: this.agent,
      },
      (answer) => {
        const out: Buffer[] = [];
        answer.on('data', (c: Buffer) => out.push(c));
        answer.on('end', () => {
          let payload = Buffer.concat(out);
          if (failedAt && failedAt.size > 0 && answer.statusCode === 200) {
            payload = Buffer.from(JSON.stringify(this.mergeFailures(payload, failedAt, entries)));
            this.counts.failedEntries += failedAt.size;
          }
          const headers = { ...answer.headers, 'content-length': String(payload.length) };
          delete headers['content-encoding'];
          res.writeHead(answer.statusCode ?? 502, headers);
          res.end(payload);
        });
      },
    );
    // The emulator is down (restarting): the client sees its connection dropped, as it would
    // without the proxy in between.
    upstream.on('error', () => res.socket?.destroy());
    upstream.end(body);
  }

  /** Puts an error entry at each removed index of the upstream PutRecords answer. */
  private mergeFailures(payload: Buffer, failedAt: Set<number>, entries: number): PutRecordsAnswer {
    const answer = JSON.parse(payload.toString('utf8')) as PutRecordsAnswer;
    const written = [...(answer.Records ?? [])];
    const records: unknown[] = [];
    for (let i = 0; i < entries; i++) {
      records.push(
        failedAt.has(i)
          ? {
              ErrorCode: 'ProvisionedThroughputExceededException',
              ErrorMessage: 'Rate exceeded for shard (injected by the chaos fault proxy)',
            }
          : written.shift(),
      );
    }
    return {
      ...answer,
      FailedRecordCount: (answer.FailedRecordCount ?? 0) + failedAt.size,
      Records: records,
    };
  }
}
