/**
 * A stream workflow started with raw options (`temporal workflow start`) compiles them in its first
 * run, at the defaults of the code that runs it. The consuming loop became the default
 * (`maxActivityLifetime` 10m) when such runs could already exist: one started before that and
 * replayed on a newer worker has no `raw-lifetime-default` marker, so it keeps the one batch per
 * activity it started its shards with, and shards it starts later (children after a reshard, a new
 * run after continue-as-new) do not change mode across the upgrade. Compiled inputs, and raw
 * options that name the field, are left as they are (no marker).
 */
import { patched } from '@temporalio/workflow';
import { isObject } from '../config/config-schema';
import { inputForm } from '../config/raw-input';
import type { CompiledStreamOptions } from '../config/stream-option-types';
import { STREAM_INPUT } from './stream-input';

/** Patch ID: raw-started runs from before it compiled maxActivityLifetime to 0. */
export const RAW_LIFETIME_DEFAULT_PATCH = 'raw-lifetime-default';

/** `options` as compiled from `stored` when this run started, for the consuming loop's lifetime. */
export function lifetimeAsStarted(stored: unknown, options: CompiledStreamOptions): CompiledStreamOptions {
  const form = inputForm(stored, STREAM_INPUT);
  if (form.form !== 'raw') return options;
  if (isObject(form.options) && form.options.maxActivityLifetime !== undefined) return options;
  if (patched(RAW_LIFETIME_DEFAULT_PATCH)) return options;
  return { ...options, maxActivityLifetimeMs: 0 };
}
