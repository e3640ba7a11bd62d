/**
 * The autoscale workflow's input, raw (the options as in `ksp autoscale --config`, from
 * `temporal workflow start` or `ksp autoscale`) or compiled (continue-as-new, older releases):
 * compiled once at the workflow's entry with the one options module (src/config/raw-input.ts says
 * how the two are told apart). Pure: no Temporal import.
 */
import { type AutoscaleOptions, compileAutoscaleOptions } from '../config/autoscale-options';
import { AUTOSCALE_CONFIG } from '../config/config-schema';
import { compileRaw, continuedStateProblem, inputForm } from '../config/raw-input';
import { ConfigError } from '../errors';
import type { CompiledAutoscaleWorkflowInput } from './autoscale-messages';
import { type AutoscaleInput, autoscaleInputProblem, upgradeAutoscaleInput } from './autoscaler';

/** How the workflow's input is read (src/config/raw-input.ts); clients test options with its `compiledKey`. */
export const AUTOSCALE_INPUT = {
  what: 'an autoscale workflow input',
  compiledKey: 'sampleIntervalMs',
  extraKeys: [],
  example: '{"options": {"streamName": "orders", "maxShards": 8}}',
} as const;

/** The input every field filled in, or what is wrong with it (naming the field and the fix). */
export function compileAutoscaleInput(input: unknown): AutoscaleInput | { problem: string } {
  try {
    const form = inputForm(input, AUTOSCALE_INPUT);
    if (form.form === 'compiled') {
      const problem = continuedStateProblem(input) ?? autoscaleInputProblem(input);
      return problem ? { problem } : upgradeAutoscaleInput(input as CompiledAutoscaleWorkflowInput);
    }
    const options = compileRaw(form, AUTOSCALE_CONFIG, (o: AutoscaleOptions) => compileAutoscaleOptions(o));
    return upgradeAutoscaleInput({ options });
  } catch (err) {
    if (err instanceof ConfigError) return { problem: err.message };
    throw err;
  }
}
