/**
 * A real Prometheus server (provisioned from Debian's package) on 127.0.0.1 for tests: scrapes
 * the given targets every second; `query` runs an instant PromQL query and returns its single
 * value (or the sum of several series), null when the result is empty.
 */
import fs from 'node:fs';
import path from 'node:path';
import { resolvePrometheusBin } from '../../src/local/paths';
import { getFreePort, retryPortRace } from '../../src/local/ports';
import { spawnService, startFailure } from '../../src/local/service-process';
import { waitFor } from './wait';

export interface TestPrometheus {
  url: string;
  query(expr: string): Promise<number | null>;
  stop(): Promise<void>;
}

interface QueryAnswer {
  status: string;
  error?: string;
  data?: { result: { value: [number, string] }[] };
}

/** Starts Prometheus on a free port (picked again if another process took it first). */
export function startPrometheus(targets: string[], dir: string): Promise<TestPrometheus> {
  return retryPortRace(() => startPrometheusOnce(targets, dir));
}

async function startPrometheusOnce(targets: string[], dir: string): Promise<TestPrometheus> {
  fs.mkdirSync(dir, { recursive: true });
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(
    config,
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      '  - job_name: ksp',
      `    static_configs: [{ targets: [${targets.map((t) => `'${t}'`).join(', ')}] }]`,
      '',
    ].join('\n'),
  );
  const port = await getFreePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(dir, 'prometheus.log');
  const service = spawnService({
    name: 'Prometheus',
    command: resolvePrometheusBin('prometheus'),
    args: [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    logFile,
  });
  await waitFor(
    async () => {
      if (service.exitReason() !== undefined) throw startFailure(service, 'it exited', logFile);
      return fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
    },
    { timeoutMs: 30_000, intervalMs: 200, what: 'Prometheus to be ready' },
  );
  return {
    url,
    async query(expr) {
      const answer = (await (
        await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`)
      ).json()) as QueryAnswer;
      if (answer.status !== 'success') throw new Error(`PromQL ${expr}: ${answer.error ?? answer.status}`);
      const result = answer.data?.result ?? [];
      return result.length === 0 ? null : result.reduce((sum, r) => sum + Number(r.value[1]), 0);
    },
    stop: () => service.stop(5_000),
  };
}
