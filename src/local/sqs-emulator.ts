/**
 * The SQS emulator (fauxqs 1.9.x, the last line that runs on Node 20) in this process on 127.0.0.1.
 */
import vm from 'node:vm';
import type { buildApp } from 'fauxqs' with { 'resolution-mode': 'import' };
import { LOOPBACK } from './ports';

interface Fauxqs {
  buildApp: typeof buildApp;
}

export interface SqsEmulator {
  /** `http://127.0.0.1:<port>`. Pass it as the SQS client's endpoint: queue URLs name `sqs.<region>.localhost`. */
  endpoint: string;
  /** Closes the server; resolves once its port is released. */
  stop(): Promise<void>;
}

function isMissingVmImportSupport(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG' ||
    code === 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING'
  );
}

/**
 * Loads fauxqs, which is ESM-only (its exports map has only an `import` condition, so no
 * require()). Compiled to CommonJS under `module: node16`, `import()` stays a real dynamic
 * import and works. Under jest the module runs inside a vm context, where import() throws
 * ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG unless jest runs with --experimental-vm-modules;
 * then import through a function compiled in the main context with Node's default loader
 * (Node >= 20.12; prints one ExperimentalWarning on Node 20).
 */
async function importFauxqs(): Promise<Fauxqs> {
  try {
    return await import('fauxqs');
  } catch (err) {
    if (!isMissingVmImportSupport(err)) throw err;
  }
  const mainContextImport = vm.runInThisContext('(specifier) => import(specifier)', {
    filename: __filename,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  }) as (specifier: string) => Promise<Fauxqs>;
  return mainContextImport('fauxqs');
}

/** Starts fauxqs in-process on 127.0.0.1:`port` (in-memory queues) and resolves once it listens. */
export async function startFauxqs(options: { port: number }): Promise<SqsEmulator> {
  const { buildApp } = await importFauxqs();
  const app = buildApp({ logger: false });
  try {
    await app.listen({ port: options.port, host: LOOPBACK });
  } catch (err) {
    await app.close();
    throw new Error(
      `fauxqs could not listen on ${LOOPBACK}:${options.port}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://${LOOPBACK}:${options.port}`,
    stop: () => (stopping ??= app.close().then(() => undefined)),
  };
}
