/**
 * Loads the user's handler module: CommonJS with `require`, ES modules with a real dynamic
 * `import()`. Every failure is a HandlerLoadError that names the file and the fix.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { HandlerLoadError } from '../errors';
import type { BatchHandler } from './contract';
import { fromLambdaHandler, type LambdaAdapterOptions, type LambdaKinesisHandler } from './lambda-adapter';

/** Which handler to load and how to call it. */
export interface LoadHandlerOptions {
  /** Path of the module (file or directory with an index/package.json), relative to `cwd` unless absolute. */
  module: string;
  /** The export to use. @default 'handler', else 'default' */
  exportName?: string;
  /** `native`: a {@link BatchHandler}; `lambda`: an unmodified Lambda Kinesis handler. */
  type: 'native' | 'lambda';
  /** @default process.cwd() */
  cwd?: string;
  /**
   * For `lambda` handlers: what the event reports as `awsRegion` and `eventSourceARN`. The worker
   * passes its region and, when it knows them, real stream ARNs. Without it the region is
   * `us-east-1` and the ARN a placeholder, `arn:aws:kinesis:<region>:000000000000:stream/<name>`.
   */
  lambda?: Omit<LambdaAdapterOptions, 'region'> & { region?: string };
}

/** A loaded handler and a one-line description of where it came from (logs, DLQ `handler` field). */
export interface LoadedHandler {
  handler: BatchHandler;
  description: string;
}

type Importer = (specifier: string) => Promise<unknown>;

/**
 * A dynamic `import()` that survives compilation to CommonJS. Under a VM sandbox (jest) the
 * `Function` route has no loader; there, Node's main-context loader is used instead.
 */
async function importModule(file: string): Promise<unknown> {
  const url = pathToFileURL(file).href;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a real import(), not rewritten to require()
  const plain = new Function('specifier', 'return import(specifier)') as Importer;
  try {
    return await plain(url);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const loader = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
    if (typeof code !== 'string' || !code.startsWith('ERR_VM_DYNAMIC_IMPORT') || loader === undefined)
      throw error;
    const sandboxed = vm.runInThisContext('(specifier) => import(specifier)', {
      importModuleDynamically: loader,
    }) as Importer;
    return sandboxed(url);
  }
}

/** Whether Node treats the file as an ES module: `.mjs`, or `.js` under a package.json with `"type": "module"`. */
function isEsm(file: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { type?: unknown }).type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}

function resolveFile(absolute: string, given: string, cwd: string): string {
  try {
    return require.resolve(absolute);
  } catch {
    throw new HandlerLoadError(
      `Handler module not found: ${absolute} (from "${given}" relative to ${cwd}). ` +
        'Check the path (and the working directory); a TypeScript handler must be compiled first (npm run build).',
    );
  }
}

function exportsOf(loaded: unknown): Record<string, unknown> {
  if (typeof loaded === 'function') return { default: loaded }; // module.exports = function …
  return typeof loaded === 'object' && loaded !== null ? { ...(loaded as Record<string, unknown>) } : {};
}

function pickExport(exported: Record<string, unknown>, file: string, exportName?: string): [string, unknown] {
  const candidates = exportName ? [exportName] : ['handler', 'default'];
  const name = candidates.find((c) => exported[c] !== undefined);
  if (name === undefined) {
    const found = Object.keys(exported);
    throw new HandlerLoadError(
      `Handler module ${file} has no export ${candidates.map((c) => `"${c}"`).join(' or ')}; ` +
        `exports found: ${found.length > 0 ? found.join(', ') : '(none)'}. ` +
        'Export the handler as "handler" (or default), or name the export to use.',
    );
  }
  return [name, exported[name]];
}

/**
 * Loads the handler module and returns the handler, wrapped with the Lambda adapter for `lambda`.
 * Throws HandlerLoadError when the file is missing, throws while loading, lacks the export, or
 * exports something that is not a function.
 */
export async function loadHandler(options: LoadHandlerOptions): Promise<LoadedHandler> {
  const cwd = options.cwd ?? process.cwd();
  const file = resolveFile(path.resolve(cwd, options.module), options.module, cwd);
  let loaded: unknown;
  try {
    loaded = isEsm(file) ? await importModule(file) : require(file);
  } catch (error) {
    // An ES module's error may come from another realm (a test sandbox): read its message by shape.
    const message =
      typeof (error as { message?: unknown } | null)?.message === 'string'
        ? (error as Error).message
        : String(error);
    const hint = /\.[cm]?ts$/.test(file)
      ? ' Node runs JavaScript: compile the TypeScript handler and load the .js file.'
      : '';
    throw new HandlerLoadError(
      `Handler module ${file} threw while loading: ${message}. Fix the module (or what it imports) and restart.${hint}`,
      { cause: error },
    );
  }
  const [name, fn] = pickExport(exportsOf(loaded), file, options.exportName);
  if (typeof fn !== 'function') {
    throw new HandlerLoadError(
      `Export "${name}" of ${file} is ${fn === null ? 'null' : `${/^[aeiou]/.test(typeof fn) ? 'an' : 'a'} ${typeof fn}`}, not a function. ` +
        'Export the handler function itself, e.g. `export async function handler(records, context) { … }`.',
    );
  }
  const description = `${options.type} handler ${file}#${name}`;
  if (options.type === 'native') return { handler: fn as BatchHandler, description };
  const { region = 'us-east-1', ...lambda } = options.lambda ?? {};
  return { handler: fromLambdaHandler(fn as LambdaKinesisHandler, { ...lambda, region }), description };
}
