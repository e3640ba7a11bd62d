/**
 * The DLQ replay workflow's input, raw (the options as in `ksp dlq replay --config`, from
 * `temporal workflow start` or `ksp dlq replay`) or compiled (continue-as-new, older releases):
 * compiled once at the workflow's entry with the one options module (src/config/raw-input.ts says
 * how the two are told apart). Pure: no Temporal import.
 */
import { REPLAY_CONFIG } from '../config/config-schema';
import { compileRaw, continuedStateProblem, inputForm } from '../config/raw-input';
import { type DlqReplayOptions, compileDlqReplayOptions } from '../config/replay-options';
import { ConfigError } from '../errors';
import {
  type CompiledDlqReplayWorkflowInput,
  type ReplayInput,
  replayInputProblem,
  upgradeReplayInput,
} from './dlq-replay-state';

/** How the workflow's input is read (src/config/raw-input.ts); clients test options with its `compiledKey`. */
export const REPLAY_INPUT = {
  what: 'a DLQ replay workflow input',
  compiledKey: 'receiveWaitMs',
  extraKeys: [],
  example: '{"options": {"queueUrl": "https://sqs…/orders-dlq"}}',
} as const;

/**
 * The input every field filled in (`nowIso` starts a first run), or what is wrong with it, naming
 * the field and the fix.
 */
export function compileReplayInput(input: unknown, nowIso: string): ReplayInput | { problem: string } {
  try {
    const form = inputForm(input, REPLAY_INPUT);
    if (form.form === 'compiled') {
      const problem = continuedStateProblem(input) ?? replayInputProblem(input);
      return problem ? { problem } : upgradeReplayInput(input as CompiledDlqReplayWorkflowInput, nowIso);
    }
    const options = compileRaw(form, REPLAY_CONFIG, (o: DlqReplayOptions) => compileDlqReplayOptions(o));
    return upgradeReplayInput({ options }, nowIso);
  } catch (err) {
    if (err instanceof ConfigError) return { problem: err.message };
    throw err;
  }
}
