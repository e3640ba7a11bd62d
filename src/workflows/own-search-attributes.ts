/**
 * A workflow sets its own KspStream search attribute when its starter did not (a start by
 * `temporal workflow start`), so the Web UI's `KspStream="orders"` filter lists it however it was
 * started (DESIGN.md rule 11). Started by ksp, the attribute is there and nothing is written.
 */
import { patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { KSP_STREAM } from './search-attributes';

/**
 * Patch ID: histories recorded before it were started without the attribute (tests) and have no
 * upsert; they replay without one.
 */
const OWN_SEARCH_ATTRIBUTES = 'own-search-attributes';

/** Upserts KspStream = `streamName` unless the start set it. */
export function ensureStreamSearchAttribute(streamName: string): void {
  if (workflowInfo().typedSearchAttributes.get(KSP_STREAM) !== undefined) return;
  if (!patched(OWN_SEARCH_ATTRIBUTES)) return;
  upsertSearchAttributes([{ key: KSP_STREAM, value: streamName }]);
}
