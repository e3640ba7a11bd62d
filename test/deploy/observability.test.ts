/**
 * The shipped dashboard, alert rules and README speak of the metrics ksp actually exports
 * (src/metrics/catalog.ts), so none of them drifts from the code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { METRICS, exportedName } from '../../src/metrics/catalog';
import { projectRoot } from '../../src/local/paths';

const root = projectRoot();
const read = (file: string): string => fs.readFileSync(path.join(root, file), 'utf8');
const exported = new Set(Object.values(METRICS).map(exportedName));
/** Every `ksp_…` name in a text, with a histogram's `_bucket`/`_sum`/`_count` series folded. */
const kspNames = (text: string): string[] => [
  ...new Set([...text.matchAll(/\bksp_[a-z_]+\b/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''))),
];

describe('observability files', () => {
  it('the Grafana dashboard is valid JSON whose queries use exported metrics only', () => {
    const dashboard = JSON.parse(read('deploy/grafana/ksp-dashboard.json')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(8);
    const names = kspNames(exprs.join('\n'));
    expect(names.filter((n) => !exported.has(n))).toEqual([]);
    for (const must of [
      'ksp_iterator_age_seconds',
      'ksp_records_handled_total',
      'ksp_records_dead_lettered_total',
    ]) {
      expect(names).toContain(must);
    }
  });

  it('the alert rules use exported metrics only', () => {
    const names = kspNames(read('deploy/prometheus/ksp-alerts.yml'));
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((n) => !exported.has(n))).toEqual([]);
  });

  it('the README names every shard metric, and only exported ones', () => {
    const readme = read('README.md');
    const names = kspNames(
      readme.slice(readme.indexOf('## Metrics and logs'), readme.indexOf('## Fault injection')),
    );
    expect(names.filter((n) => !exported.has(n) && !n.endsWith('_'))).toEqual([]);
    const shardMetrics = Object.values(METRICS)
      .filter((m) => (m.labels as readonly string[]).includes('shard'))
      .map(exportedName);
    expect(shardMetrics.filter((n) => !names.includes(n))).toEqual([]);
  });
});
