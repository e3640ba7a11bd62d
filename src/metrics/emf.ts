/**
 * CloudWatch Embedded Metric Format: a `MetricMeter` that aggregates what is recorded on it and,
 * every `intervalMs`, writes one EMF JSON line per label set (stdout in the worker, where the
 * CloudWatch agent, ECS/EKS Fluent Bit or Lambda extensions pick it up). Counters are sent as the
 * sum since the last flush, gauges as their last value, histograms as Values/Counts. Opt-in
 * (KSP_METRICS_EMF=true); no AWS call is made.
 */
import type { MetricMeter, MetricTags } from '@temporalio/common';

export interface EmfOptions {
  namespace: string;
  intervalMs: number;
  write(line: string): void;
  now?: () => number;
}

interface Series {
  name: string;
  unit: string;
  kind: 'counter' | 'gauge' | 'histogram';
  dimensions: Record<string, string>;
  sum: number;
  last: number;
  values: Map<number, number>;
  touched: boolean;
}

const UNITS: Record<string, string> = { seconds: 'Seconds', bytes: 'Bytes', ms: 'Milliseconds' };

const APPLY: Record<Series['kind'], (s: Series, v: number) => void> = {
  counter: (s, v) => void (s.sum += v),
  gauge: (s, v) => void (s.last = v),
  histogram: (s, v) => void s.values.set(v, (s.values.get(v) ?? 0) + 1),
};

/** Where the series live and are flushed from; meters with other tags share it. */
export class EmfSink {
  private readonly series = new Map<string, Series>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: EmfOptions) {
    this.timer = setInterval(() => this.flush(), options.intervalMs);
    this.timer.unref();
  }

  meter(tags: MetricTags = {}): MetricMeter {
    return new EmfMeter(this, tags);
  }

  record(kind: Series['kind'], name: string, unit: string, tags: MetricTags, value: number): void {
    const dimensions = Object.fromEntries(
      Object.entries(tags)
        .map(([k, v]) => [k, String(v)] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
    const key = `${name}\u0000${JSON.stringify(dimensions)}`;
    let series = this.series.get(key);
    if (!series) {
      series = { name, unit, kind, dimensions, sum: 0, last: 0, values: new Map(), touched: false };
      this.series.set(key, series);
    }
    APPLY[kind](series, value);
    series.touched = true;
  }

  /** Writes what was recorded since the last flush, one line per label set. */
  flush(): void {
    const byDimensions = new Map<string, Series[]>();
    for (const s of this.series.values()) {
      if (!s.touched) continue;
      const key = JSON.stringify(s.dimensions);
      byDimensions.set(key, [...(byDimensions.get(key) ?? []), s]);
    }
    for (const group of byDimensions.values()) {
      const first = group[0];
      if (!first) continue;
      const doc: Record<string, unknown> = {
        _aws: {
          Timestamp: (this.options.now ?? Date.now)(),
          CloudWatchMetrics: [
            {
              Namespace: this.options.namespace,
              Dimensions: dimensionSets(Object.keys(first.dimensions)),
              Metrics: group.map((s) => ({ Name: s.name, Unit: UNITS[s.unit] ?? 'Count' })),
            },
          ],
        },
        ...first.dimensions,
      };
      for (const s of group) {
        doc[s.name] =
          s.kind === 'counter'
            ? s.sum
            : s.kind === 'gauge'
              ? s.last
              : { Values: [...s.values.keys()], Counts: [...s.values.values()] };
        s.sum = 0;
        s.values.clear();
        s.touched = false;
      }
      this.options.write(JSON.stringify(doc));
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }
}

class EmfMeter implements MetricMeter {
  constructor(
    private readonly sink: EmfSink,
    private readonly tags: MetricTags,
  ) {}

  private metric(kind: Series['kind'], name: string, unit: string | undefined, tags: MetricTags): never {
    const record = (value: number, extra?: MetricTags) =>
      this.sink.record(kind, name, unit ?? 'Count', { ...tags, ...extra }, value);
    return {
      name,
      unit,
      description: undefined,
      valueType: 'float',
      kind,
      add: record,
      set: record,
      record,
      withTags: (more: MetricTags) => this.metric(kind, name, unit, { ...tags, ...more }),
    } as never;
  }

  createCounter(name: string, unit?: string) {
    return this.metric('counter', name, unit, this.tags);
  }
  createGauge(name: string, _valueType?: unknown, unit?: string) {
    return this.metric('gauge', name, unit, this.tags);
  }
  createHistogram(name: string, _valueType?: unknown, unit?: string) {
    return this.metric('histogram', name, unit, this.tags);
  }
  withTags(tags: MetricTags): MetricMeter {
    return new EmfMeter(this.sink, { ...this.tags, ...tags });
  }
}

/**
 * The label set, and the same without `shard`, so that CloudWatch also aggregates per stream:
 * an alarm on a stream needs no dimension per shard (deploy/cloudformation.yaml).
 */
function dimensionSets(keys: string[]): string[][] {
  return keys.includes('shard') ? [keys, keys.filter((k) => k !== 'shard')] : [keys];
}
