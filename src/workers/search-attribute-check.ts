/**
 * At worker start: is every search attribute ksp sets (SEARCH_ATTRIBUTES in src/constants.ts)
 * registered on the namespace, with its type? A missing one would fail each start that sets it
 * and wedge each shard workflow that upserts it (its workflow task fails and retries forever), so
 * the worker refuses to start and says which are missing and the commands that add them. When
 * the check itself cannot run (a namespace whose API key may not list attributes), it warns and
 * lets the worker start.
 */
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../constants';

const { IndexedValueType } = temporal.api.enums.v1;
type IndexedType = temporal.api.enums.v1.IndexedValueType;

/** The Temporal CLI's spelling of each indexed type (`--type Int`). */
const CLI_TYPES: Partial<Record<IndexedType, string>> = {
  [IndexedValueType.INDEXED_VALUE_TYPE_TEXT]: 'Text',
  [IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]: 'Keyword',
  [IndexedValueType.INDEXED_VALUE_TYPE_INT]: 'Int',
  [IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE]: 'Double',
  [IndexedValueType.INDEXED_VALUE_TYPE_BOOL]: 'Bool',
  [IndexedValueType.INDEXED_VALUE_TYPE_DATETIME]: 'Datetime',
  [IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST]: 'KeywordList',
};

/** The part of the OperatorService this check calls. */
export interface SearchAttributeLister {
  listSearchAttributes(request: { namespace: string }): Promise<{
    customAttributes?: Record<string, IndexedType | null> | null;
    systemAttributes?: Record<string, IndexedType | null> | null;
  }>;
}

/** What is wrong with one attribute: not registered, or registered with another type. */
export interface SearchAttributeGap {
  name: string;
  type: string;
  /** The type it is registered with, when it is (the wrong one). */
  registeredAs?: string;
}

/** The attributes of `wanted` that `registered` lacks or types differently. */
export function searchAttributeGaps(
  registered: Record<string, IndexedType | null>,
  wanted: Record<string, string> = SEARCH_ATTRIBUTES,
): SearchAttributeGap[] {
  const gaps: SearchAttributeGap[] = [];
  for (const [name, type] of Object.entries(wanted)) {
    const found = registered[name];
    if (found === undefined || found === null) gaps.push({ name, type });
    else if (CLI_TYPES[found] !== type)
      gaps.push({ name, type, registeredAs: CLI_TYPES[found] ?? String(found) });
  }
  return gaps;
}

/** The error text: which, and the commands that fix it. */
export function searchAttributeGapMessage(namespace: string, gaps: readonly SearchAttributeGap[]): string {
  const lines = gaps.map((g) =>
    g.registeredAs
      ? `  ${g.name} is registered as ${g.registeredAs}, ksp needs ${g.type}: delete it (\`temporal operator search-attribute delete --namespace ${namespace} --name ${g.name}\`), then:\n` +
        `  temporal operator search-attribute create --namespace ${namespace} --name ${g.name} --type ${g.type}`
      : `  temporal operator search-attribute create --namespace ${namespace} --name ${g.name} --type ${g.type}`,
  );
  return (
    `namespace ${namespace} lacks the search attribute(s) ksp sets: ${gaps.map((g) => g.name).join(', ')}. ` +
    `Workflows that set them would fail. Add them (Temporal Cloud: the same names and types in the namespace's settings or \`tcld namespace search-attributes add\`), then start the worker again:\n${lines.join('\n')}`
  );
}

/**
 * Throws an Error named `SearchAttributesMissing` when an attribute is missing or mistyped;
 * warns through `warn` and returns when the namespace's attributes cannot be listed.
 */
export async function checkSearchAttributes(
  operator: SearchAttributeLister,
  namespace: string,
  warn: (message: string) => void,
): Promise<void> {
  let registered: Record<string, IndexedType | null>;
  try {
    const response = await operator.listSearchAttributes({ namespace });
    registered = { ...response.systemAttributes, ...response.customAttributes };
  } catch (err) {
    warn(
      `ksp worker: could not list the search attributes of namespace ${namespace} (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); ` +
        `make sure ${Object.entries(SEARCH_ATTRIBUTES)
          .map(([n, t]) => `${n} (${t})`)
          .join(', ')} are registered, or workflows that set them fail`,
    );
    return;
  }
  const gaps = searchAttributeGaps(registered);
  if (gaps.length === 0) return;
  const error = new Error(searchAttributeGapMessage(namespace, gaps));
  error.name = 'SearchAttributesMissing';
  throw error;
}
