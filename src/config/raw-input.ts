/**
 * Workflow inputs come in two forms, and every ksp workflow takes both (DESIGN.md rule 11):
 *
 * - **raw**: the options exactly as a user writes them in `ksp … --config <file.json>` —
 *   durations such as "30s", nested objects partly given, defaults left out — either wrapped,
 *   `{"options": {…}}` (plus the workflow's own extra fields), or bare, `{…}`. This is what
 *   `temporal workflow start --input` and `ksp` itself pass; the workflow compiles it with the one
 *   options module, deterministically (workflow time for "now").
 * - **compiled**: what a workflow carries across continue-as-new (`"compiled": 1` beside the
 *   options) and what every release before that marker stored (compiled options, no marker).
 *
 * How they are told apart, in order: a `compiled` field marks a compiled input (its value is the
 * version of the compiled shape: 1); an input with `state` is a continued run; otherwise the
 * options are compiled when they hold the workflow's compiled-only key (e.g. `maxPollWaitMs`: no
 * user option ends in `Ms`, and the raw check refuses one by name), and raw in every other case.
 * Pure module: safe in workflow code.
 */
import { ConfigError } from '../errors';
import { type ConfigSchema, checkConfigObject, isObject } from './config-schema';
import { checkKnownKeys } from './checks';

/** Version of the compiled input shape written beside compiled options. */
export const COMPILED_INPUT_VERSION = 1;

/** The marker a compiled workflow input carries. */
export interface CompiledMark {
  compiled?: typeof COMPILED_INPUT_VERSION;
}

/** A raw input: the user's options (unchecked), the other top-level fields, the options' path. */
export interface RawInput {
  form: 'raw';
  options: unknown;
  extra: Record<string, unknown>;
  /** `options.` when wrapped, '' when bare: prefixed to the fields errors name. */
  prefix: string;
}

export type InputForm = { form: 'compiled' } | RawInput;

/** What a workflow's input looks like, for {@link inputForm}. */
export interface InputShape {
  /** The workflow, for messages: "a stream workflow input". */
  what: string;
  /** A key only compiled options have. */
  compiledKey: string;
  /** Top-level fields a wrapped raw input may have besides `options`. */
  extraKeys: readonly string[];
  /** An example of a raw input, for messages. */
  example: string;
}

/** Which form `input` is in (see the module comment); throws a ConfigError for a non-object. */
export function inputForm(input: unknown, shape: InputShape): InputForm {
  if (!isObject(input)) {
    throw new ConfigError(
      'input',
      `${JSON.stringify(input) ?? 'nothing'} is not a JSON object: pass the options as in a --config file, e.g. ${shape.example}`,
    );
  }
  if ('compiled' in input) {
    if (input.compiled !== COMPILED_INPUT_VERSION) {
      throw new ConfigError(
        'compiled',
        `${JSON.stringify(input.compiled)} is not a compiled input version this worker knows (${COMPILED_INPUT_VERSION}): remove "compiled" and pass the options as in a --config file, or run a worker of the ksp release that wrote it`,
      );
    }
    return { form: 'compiled' };
  }
  if ('state' in input) return { form: 'compiled' };
  const wrapped = 'options' in input;
  const options = inputOptions(input);
  if (isObject(options) && isCompiledOptions(options, shape.compiledKey)) return { form: 'compiled' };
  if (!wrapped) return { form: 'raw', options, extra: {}, prefix: '' };
  checkKnownKeys(`a field of ${shape.what}`, input, ['options', ...shape.extraKeys]);
  const { options: _options, ...extra } = input;
  return { form: 'raw', options, extra, prefix: 'options.' };
}

/**
 * Whether `options` are compiled: they hold the workflow's compiled-only key (its
 * `InputShape.compiledKey`), the test {@link inputForm} applies. On a client's
 * `Raw | Compiled` options it narrows to the compiled type, whose key that is.
 */
export function isCompiledOptions<T extends object, K extends string>(
  options: T,
  compiledKey: K,
): options is Extract<T, Record<K, unknown>> {
  return compiledKey in options;
}

/**
 * The options of a workflow input: `input.options` when it is wrapped (raw or compiled), the input
 * itself when it is bare (raw options only).
 */
export function inputOptions(input: object): unknown {
  return 'options' in input ? input.options : input;
}

/** The field a ConfigError names, prefixed with `prefix`, the rest of its message kept. */
export function prefixed(err: ConfigError, prefix: string): ConfigError {
  if (prefix === '') return err;
  const detail = err.message.startsWith(`${err.field}: `)
    ? err.message.slice(err.field.length + 2)
    : err.message;
  return new ConfigError(`${prefix}${err.field}`, detail);
}

/**
 * Compiles raw options: refuses unknown keys and bare-number durations as a --config file does
 * (`schema`), then runs `compile`; a ConfigError names the field's path in the input.
 */
export function compileRaw<T>(raw: RawInput, schema: ConfigSchema, compile: (options: never) => T): T {
  if (!isObject(raw.options)) {
    throw new ConfigError(
      'options',
      `${JSON.stringify(raw.options) ?? 'nothing'} is not an object of ${schema.what}s`,
    );
  }
  checkConfigObject(raw.options, schema, raw.prefix, 'a workflow input'); // names the whole path
  try {
    return compile(raw.options as never);
  } catch (err) {
    if (err instanceof ConfigError) throw prefixed(err, raw.prefix);
    // Never let a value the checks did not foresee throw inside a workflow task (it would retry forever).
    throw new ConfigError('options', `cannot be compiled (${String(err)}): check them against the README`);
  }
}

/**
 * Why a `state` in an input cannot be a continued run's (only continue-as-new writes one, with a
 * numeric `run`); null when it can, or when there is none.
 */
export function continuedStateProblem(input: unknown): string | null {
  const state = isObject(input) ? input.state : undefined;
  if (state === undefined || (isObject(state) && typeof state.run === 'number')) return null;
  return `state ${JSON.stringify(state) ?? 'nothing'} is not a continued run's state: remove "state" to start afresh`;
}
