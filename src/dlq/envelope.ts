/**
 * The versioned DLQ message: Lambda's on-failure record (`requestContext`, `KinesisBatchInfo`)
 * plus what Lambda leaves out — the error, the handler and the records themselves whenever they fit
 * in an SQS message. A batch too large for one message is split over several, never truncated; a
 * record too large even alone travels as metadata that pinpoints it for a replay to re-read. A huge
 * error is trimmed to fit, never a reason to refuse the records.
 *
 * Import from here: the format (`format.ts`), building (`build.ts`) and reading (`parse.ts`) live
 * in their own files.
 */
export * from './format';
export {
  attributeValue,
  buildDlqMessages,
  envelopeError,
  sqsMessageBytes,
  trimStack,
  truncateUtf8,
} from './build';
export {
  decodeDlqRecords,
  decodeParsedRecords,
  parseDlqMessage,
  type DlqParseProblem,
  type ParseDlqResult,
} from './parse';
