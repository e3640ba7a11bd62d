/**
 * Many streams, many handlers: which handler a worker runs for which stream. A worker serves every
 * stream started on its task queue; `KSP_HANDLERS` maps streams (by name or ARN) to handler
 * modules, and `KSP_HANDLER` stays the handler of every stream the map does not name.
 *
 *   KSP_HANDLERS='{"orders": "./dist/orders.js",
 *                  "arn:aws:kinesis:eu-west-1:123456789012:stream/clicks":
 *                    {"module": "./dist/clicks.js", "export": "handler", "type": "lambda"}}'
 *
 * or KSP_HANDLERS=./handlers.json, a file holding that JSON. A stream named by ARN is routed by its
 * ARN first, then by its plain name.
 */
import fs from 'node:fs';
import { parseStreamRef } from '../aws/stream-ref';
import { ConfigError } from '../errors';
import type { BatchHandler } from './contract';
import type { LoadedHandler } from './loader';

/** One entry of the map: which module, which export, which contract. */
export interface HandlerRoute {
  module: string;
  exportName?: string;
  type: 'native' | 'lambda';
}

function parseRoute(value: unknown, field: string, defaultType: 'native' | 'lambda'): HandlerRoute {
  if (typeof value === 'string' && value.trim() !== '') return { module: value.trim(), type: defaultType };
  const fix =
    'use a module path, or {"module": "./dist/handler.js", "export": "handler", "type": "native" | "lambda"}';
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(field, `${JSON.stringify(value)} is not a handler: ${fix}`);
  const { module, export: exportName, type = defaultType, ...extra } = value as Record<string, unknown>;
  const unknown = Object.keys(extra);
  if (unknown.length > 0)
    throw new ConfigError(`${field}.${unknown[0] ?? ''}`, `is not a handler setting: ${fix}`);
  if (typeof module !== 'string' || module.trim() === '')
    throw new ConfigError(`${field}.module`, `${JSON.stringify(module)} is not a module path: ${fix}`);
  if (exportName !== undefined && (typeof exportName !== 'string' || exportName === ''))
    throw new ConfigError(`${field}.export`, `${JSON.stringify(exportName)} is not an export name`);
  if (type !== 'native' && type !== 'lambda')
    throw new ConfigError(
      `${field}.type`,
      `${JSON.stringify(type)} is not a handler type: use "native" or "lambda"`,
    );
  return { module: module.trim(), type, ...(exportName ? { exportName } : {}) };
}

/**
 * Parses KSP_HANDLERS: JSON (starting with `{`), or the path of a JSON file. Keys are stream names
 * or ARNs; a ConfigError names the entry at fault.
 */
export function parseHandlerMap(
  text: string,
  defaultType: 'native' | 'lambda' = 'native',
  field = 'KSP_HANDLERS',
  readFile: (path: string) => string = (p) => fs.readFileSync(p, 'utf8'),
): Map<string, HandlerRoute> {
  let json = text.trim();
  if (!json.startsWith('{')) {
    try {
      json = readFile(json);
    } catch (err) {
      throw new ConfigError(
        field,
        `cannot read ${JSON.stringify(text)} (${(err as Error).message}): give JSON, or the path of a JSON file`,
      );
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new ConfigError(
      field,
      `is not JSON (${(err as Error).message}): use {"<stream name or ARN>": "<handler module>"}`,
    );
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    Object.keys(parsed).length === 0
  )
    throw new ConfigError(
      field,
      'must be an object with at least one entry: {"<stream name or ARN>": "<handler module>"}',
    );
  const routes = new Map<string, HandlerRoute>();
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    const entry = `${field}[${JSON.stringify(key)}]`;
    routes.set(parseStreamRef(key, entry).ref, parseRoute(value, entry, defaultType));
  }
  return routes;
}

/** The handler of each stream, by the map, else the default one. */
export class HandlerRouter {
  constructor(
    private readonly byStream: ReadonlyMap<string, LoadedHandler>,
    private readonly fallback: LoadedHandler | null,
  ) {}

  /** The handler for `streamRef` (its ARN, then its name, then the default); null if none. */
  for(streamRef: string): LoadedHandler | null {
    const exact = this.byStream.get(streamRef);
    if (exact) return exact;
    try {
      const byName = this.byStream.get(parseStreamRef(streamRef).name);
      if (byName) return byName;
    } catch {
      // not a valid reference: only the default can take it
    }
    return this.fallback;
  }

  /** The routes in one line, for the worker's start-up log. */
  describe(): string {
    if (this.byStream.size === 0 && this.fallback) return `handler ${this.fallback.description}`;
    const lines = [...this.byStream].map(([stream, h]) => `${stream} → ${h.description}`);
    if (this.fallback) lines.push(`any other stream → ${this.fallback.description}`);
    return `handlers ${lines.join('; ')}`;
  }

  /** A router over one handler: every stream gets it (KSP_HANDLER alone). */
  static single(handler: BatchHandler, description: string): HandlerRouter {
    return new HandlerRouter(new Map(), { handler, description });
  }
}

/** The message of a stream no handler is configured for, with the fix. */
export function noHandlerMessage(streamRef: string): string {
  return (
    `no handler for stream ${streamRef} on this worker: add it to KSP_HANDLERS ({"${streamRef}": "<handler module>"}) ` +
    'or set KSP_HANDLER for every stream the map does not name, then restart the worker. Its shard waits, nothing is read'
  );
}
