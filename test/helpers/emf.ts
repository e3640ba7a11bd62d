/** A CloudWatch EMF meter whose documents are collected as parsed objects (flushed by the test). */
import { EmfSink } from '../../src/metrics/emf';

export function emfLines(): { sink: EmfSink; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new EmfSink({
    namespace: 'ksp',
    intervalMs: 3_600_000,
    write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
  });
  return { sink, lines };
}
