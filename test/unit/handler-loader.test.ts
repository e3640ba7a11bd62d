import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { HandlerLoadError } from '../../src/errors';
import { loadHandler, type LoadHandlerOptions } from '../../src/handler/loader';
import { makeBatch, makeHandlerContext, sequenceNumber, SHARD_ID } from '../helpers/records';

const FIXTURES = path.resolve(__dirname, '../fixtures/handlers');
const batch = makeBatch(2, (i) => (i === 1 ? { data: 'bad' } : {})); // the second record is "bad"

describe('loadHandler', () => {
  describe.each<[string, Omit<LoadHandlerOptions, 'cwd'>, string, unknown]>([
    [
      'a CommonJS handler',
      { module: 'cjs-handler.js', type: 'native' },
      'cjs-handler.js#handler',
      { batchItemFailures: [{ itemIdentifier: sequenceNumber(2) }] },
    ],
    [
      'a named CommonJS export',
      { module: './cjs-handler.js', exportName: 'countOnly', type: 'native' },
      'cjs-handler.js#countOnly',
      { batchItemFailures: [], count: 2 },
    ],
    [
      'a CommonJS module that is a function',
      { module: 'function-export.js', type: 'native' },
      'function-export.js#default',
      undefined,
    ],
    [
      'an ES module (.mjs)',
      { module: 'esm-handler.mjs', type: 'native' },
      'esm-handler.mjs#handler',
      expect.objectContaining({
        batchItemFailures: [{ itemIdentifier: `${SHARD_ID}:${sequenceNumber(2)}` }],
        moduleUrl: expect.stringMatching(/^file:.*esm-handler\.mjs$/) as unknown,
      }),
    ],
    [
      'an ES module by "type": "module", default export',
      { module: 'esm-package/handler.js', type: 'native' },
      'esm-package/handler.js#default',
      { batchItemFailures: [{ itemIdentifier: sequenceNumber(2) }] },
    ],
  ])('%s', (_what, options, described, expected) => {
    it('loads, describes and runs it', async () => {
      // Act
      const { handler, description } = await loadHandler({ ...options, cwd: FIXTURES });
      const result = await handler(batch, makeHandlerContext());
      // Assess
      expect(description).toBe(
        `native handler ${path.join(FIXTURES, described.split('#')[0] ?? '')}#${described.split('#')[1]}`,
      );
      expect(result).toEqual(expected);
    });
  });

  it('wraps a Lambda handler with the adapter, given the region and stream ARNs', async () => {
    // Act
    const { handler, description } = await loadHandler({
      module: path.join(FIXTURES, 'lambda-handler.js'),
      type: 'lambda',
      lambda: {
        region: 'eu-west-1',
        streamArn: (name) => `arn:aws:kinesis:eu-west-1:123456789012:stream/${name}`,
      },
    });
    const result = await handler(batch, makeHandlerContext());
    // Assess
    expect(description).toBe(`lambda handler ${path.join(FIXTURES, 'lambda-handler.js')}#handler`);
    expect(result).toEqual({
      batchItemFailures: [{ itemIdentifier: sequenceNumber(2) }],
      functionName: 'ksp',
      arn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/orders',
    });
  });

  it('gives a Lambda handler a placeholder ARN in us-east-1 when not told otherwise', async () => {
    // Act
    const { handler } = await loadHandler({ module: 'lambda-handler.js', type: 'lambda', cwd: FIXTURES });
    const result = await handler(batch, makeHandlerContext());
    // Assess
    expect(result).toMatchObject({ arn: 'arn:aws:kinesis:us-east-1:000000000000:stream/orders' });
  });

  describe.each<[string, Omit<LoadHandlerOptions, 'cwd' | 'type'>, string[]]>([
    [
      'a missing file',
      { module: 'nope/handler.js' },
      ['Handler module not found', path.join(FIXTURES, 'nope/handler.js'), FIXTURES],
    ],
    [
      'a module that throws on load',
      { module: 'throws-on-load.js' },
      ['threw while loading: SINK_URL is not set', path.join(FIXTURES, 'throws-on-load.js')],
    ],
    [
      'a module whose import is missing',
      { module: 'missing-dependency.js' },
      ['threw while loading', 'no-such-helper'],
    ],
    [
      'a module without a handler export',
      { module: 'no-handler.js' },
      ['has no export "handler" or "default"', 'exports found: process, version'],
    ],
    [
      'an export name that does not exist',
      { module: 'no-handler.js', exportName: 'main' },
      ['has no export "main"', 'exports found: process, version'],
    ],
    [
      'an export that is not a function',
      { module: 'not-a-function.js' },
      ['Export "handler"', 'is an object, not a function'],
    ],
  ])('%s', (_what, options, parts) => {
    it('throws a HandlerLoadError naming the file and the fix', async () => {
      // Act
      const error: unknown = await loadHandler({ ...options, type: 'native', cwd: FIXTURES }).catch(
        (e: unknown) => e,
      );
      // Assess
      expect(error).toBeInstanceOf(HandlerLoadError);
      for (const part of parts) expect((error as Error).message).toContain(part);
    });
  });
});

describe('loadHandler compiled to CommonJS, outside jest', () => {
  // Prepare: compile the loader and what it imports, as tsc would, and run it in a plain Node process.
  const compile = (module: ts.ModuleKind): string => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ksp-loader-'));
    for (const name of ['handler/loader', 'handler/lambda-adapter', 'errors']) {
      const file = path.resolve(__dirname, `../../src/${name}.ts`);
      const { outputText } = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
        fileName: file,
        compilerOptions: {
          module,
          moduleResolution: ts.ModuleResolutionKind.Node16,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true,
        },
      });
      fs.mkdirSync(path.dirname(path.join(out, `${name}.js`)), { recursive: true });
      fs.writeFileSync(path.join(out, `${name}.js`), outputText);
    }
    return out;
  };

  describe.each([
    ['node16 (import() kept)', ts.ModuleKind.Node16],
    ['commonjs (import() rewritten to require)', ts.ModuleKind.CommonJS],
  ])('with module %s', (_what, module) => {
    it('loads an ES module with a real import()', () => {
      // Prepare
      const out = compile(module);
      const script = `
        const { loadHandler } = require(${JSON.stringify(path.join(out, 'handler', 'loader.js'))});
        loadHandler({ module: 'esm-handler.mjs', type: 'native', cwd: ${JSON.stringify(FIXTURES)} })
          .then(({ handler }) => handler([{ data: new TextEncoder().encode('bad'), idempotencyKey: 'k' }], {}))
          .then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });`;
      // Act
      const stdout = execFileSync(process.execPath, ['-e', script], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      fs.rmSync(out, { recursive: true, force: true });
      // Assess
      expect(JSON.parse(stdout)).toEqual({
        batchItemFailures: [{ itemIdentifier: 'k' }],
        moduleUrl: expect.stringMatching(/esm-handler\.mjs$/) as unknown,
      });
    });
  });
});
