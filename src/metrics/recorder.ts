/**
 * Records ksp's metrics (src/metrics/catalog.ts) on any Temporal `MetricMeter`: the worker
 * Runtime's (Prometheus or OTLP), a workflow's (`metricMeter` from @temporalio/workflow, which
 * skips replays), the CloudWatch EMF meter, or several at once. Instruments are created once per
 * recorder. No Node import: safe in workflow code.
 */
import type {
  MetricCounter,
  MetricGauge,
  MetricHistogram,
  MetricMeter,
  MetricTags,
} from '@temporalio/common';
import { METRICS, type MetricId } from './catalog';

type IdOf<K extends string> = {
  [I in MetricId]: (typeof METRICS)[I]['kind'] extends K ? I : never;
}[MetricId];

/** The instrument of `id` in `cache`, created on first use. */
function once<T>(cache: Map<MetricId, T>, id: MetricId, create: (spec: (typeof METRICS)[MetricId]) => T): T {
  let instrument = cache.get(id);
  if (!instrument) {
    instrument = create(METRICS[id]);
    cache.set(id, instrument);
  }
  return instrument;
}

export class KspMetrics {
  private readonly counters = new Map<MetricId, MetricCounter>();
  private readonly gauges = new Map<MetricId, MetricGauge>();
  private readonly histograms = new Map<MetricId, MetricHistogram>();

  constructor(private readonly meter: MetricMeter) {}

  count(id: IdOf<'counter'>, value: number, tags: MetricTags): void {
    if (value <= 0) return;
    const counter = once(this.counters, id, (spec) =>
      this.meter.createCounter(spec.name, spec.unit, spec.help),
    );
    counter.add(Math.round(value), tags);
  }

  set(id: IdOf<'gauge'>, value: number, tags: MetricTags): void {
    const gauge = once(this.gauges, id, (spec) =>
      this.meter.createGauge(spec.name, 'float', spec.unit, spec.help),
    );
    gauge.set(value, tags);
  }

  observe(id: IdOf<'histogram'>, value: number, tags: MetricTags): void {
    const histogram = once(this.histograms, id, (spec) =>
      this.meter.createHistogram(spec.name, 'float', spec.unit, spec.help),
    );
    histogram.record(value, tags);
  }
}

/** One meter that records on each of `meters` (e.g. Prometheus and CloudWatch EMF). */
export function fanOutMeter(meters: MetricMeter[]): MetricMeter {
  const all = <T>(make: (m: MetricMeter) => T): T[] => meters.map(make);
  return {
    createCounter(name, unit, description) {
      const each = all((m) => m.createCounter(name, unit, description));
      return fanOutMetric(each, { kind: 'counter', valueType: 'int', name, unit, description }, (m, v, t) =>
        m.add(v, t),
      );
    },
    createGauge(name, valueType, unit, description) {
      const each = all((m) => m.createGauge(name, valueType, unit, description));
      return fanOutMetric(
        each,
        { kind: 'gauge', valueType: valueType ?? 'int', name, unit, description },
        (m, v, t) => m.set(v, t),
      );
    },
    createHistogram(name, valueType, unit, description) {
      const each = all((m) => m.createHistogram(name, valueType, unit, description));
      return fanOutMetric(
        each,
        { kind: 'histogram', valueType: valueType ?? 'int', name, unit, description },
        (m, v, t) => m.record(v, t),
      );
    },
    withTags(tags) {
      return fanOutMeter(meters.map((m) => m.withTags(tags)));
    },
  };
}

interface Described {
  kind: string;
  valueType: string;
  name: string;
  unit?: string | undefined;
  description?: string | undefined;
}

function fanOutMetric<M extends { withTags(tags: MetricTags): M }, R>(
  each: M[],
  described: Described,
  apply: (metric: M, value: number, tags?: MetricTags) => void,
): R {
  const metric = {
    ...described,
    add: (value: number, tags?: MetricTags) => each.forEach((m) => apply(m, value, tags)),
    set: (value: number, tags?: MetricTags) => each.forEach((m) => apply(m, value, tags)),
    record: (value: number, tags?: MetricTags) => each.forEach((m) => apply(m, value, tags)),
    withTags: (tags: MetricTags): R =>
      fanOutMetric(
        each.map((m) => m.withTags(tags)),
        described,
        apply,
      ),
  };
  return metric as unknown as R;
}
