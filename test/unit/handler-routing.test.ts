/** KSP_HANDLERS: the map of streams to handlers, and which handler a stream gets. */
import { ConfigError } from '../../src/errors';
import type { LoadedHandler } from '../../src/handler/loader';
import { HandlerRouter, noHandlerMessage, parseHandlerMap } from '../../src/handler/routing';
import { readWorkerProcessConfig } from '../../src/workers/main';

const ARN = 'arn:aws:kinesis:eu-west-1:123456789012:stream/clicks';
const handler = (description: string): LoadedHandler => ({
  handler: async () => undefined,
  description,
});

test('a map names modules per stream, by name or ARN, as a path or with export and type', () => {
  const routes = parseHandlerMap(
    JSON.stringify({
      orders: './dist/orders.js',
      [ARN]: { module: './dist/clicks.js', export: 'main', type: 'lambda' },
    }),
  );
  expect([...routes]).toEqual([
    ['orders', { module: './dist/orders.js', type: 'native' }],
    [ARN, { module: './dist/clicks.js', exportName: 'main', type: 'lambda' }],
  ]);
});

test('the map may be a JSON file', () => {
  const routes = parseHandlerMap('./handlers.json', 'lambda', 'KSP_HANDLERS', (p) =>
    p === './handlers.json' ? '{"orders": "./o.js"}' : '',
  );
  expect(routes.get('orders')).toEqual({ module: './o.js', type: 'lambda' });
});

test.each([
  ['{"orders": 7}', 'KSP_HANDLERS["orders"]', 'is not a handler'],
  ['{"orders": {"modul": "./o.js"}}', 'KSP_HANDLERS["orders"].modul', 'is not a handler setting'],
  [
    '{"orders": {"module": "./o.js", "type": "python"}}',
    'KSP_HANDLERS["orders"].type',
    'is not a handler type',
  ],
  ['{"not a stream": "./o.js"}', 'KSP_HANDLERS["not a stream"]', 'is not a Kinesis stream name or ARN'],
  [
    '{"arn:aws:kinesis:x:1:stream/a": "./o.js"}',
    'KSP_HANDLERS["arn:aws:kinesis:x:1:stream/a"]',
    'is not a Kinesis stream ARN',
  ],
  ['{}', 'KSP_HANDLERS', 'at least one entry'],
  ['{"orders": ', 'KSP_HANDLERS', 'is not JSON'],
])('%s is refused naming %s', (text, field, message) => {
  let err: unknown = null;
  try {
    parseHandlerMap(text);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).field).toBe(field);
  expect((err as Error).message).toContain(message);
});

test('a stream gets its ARN entry, else its name entry, else the default, else none', () => {
  const router = new HandlerRouter(
    new Map([
      [ARN, handler('clicks by ARN')],
      ['orders', handler('orders')],
    ]),
    handler('default'),
  );
  expect(router.for(ARN)?.description).toBe('clicks by ARN');
  expect(router.for('orders')?.description).toBe('orders');
  expect(router.for('arn:aws:kinesis:us-east-1:123456789012:stream/orders')?.description).toBe('orders');
  expect(router.for('clicks')?.description).toBe('default');
  expect(new HandlerRouter(new Map([['orders', handler('orders')]]), null).for('clicks')).toBeNull();
  expect(noHandlerMessage('clicks')).toContain('add it to KSP_HANDLERS');
  expect(router.describe()).toBe(
    `handlers ${ARN} → clicks by ARN; orders → orders; any other stream → default`,
  );
  expect(HandlerRouter.single(async () => undefined, 'native handler /x.js#handler').describe()).toBe(
    'handler native handler /x.js#handler',
  );
});

test('the worker needs KSP_HANDLER or KSP_HANDLERS, and reads both', () => {
  expect(() => readWorkerProcessConfig({})).toThrow(/KSP_HANDLER: is not set/);
  const mapOnly = readWorkerProcessConfig({ KSP_HANDLERS: '{"orders": "./o.js"}' });
  expect(mapOnly.handlerModule).toBeUndefined();
  expect(mapOnly.handlerRoutes.get('orders')?.module).toBe('./o.js');
  const both = readWorkerProcessConfig({ KSP_HANDLER: './d.js', KSP_HANDLERS: '{"orders": "./o.js"}' });
  expect(both.handlerModule).toBe('./d.js');
  expect(() => readWorkerProcessConfig({ KSP_HANDLERS: '{"orders": 1}' })).toThrow(
    /KSP_HANDLERS\["orders"\]/,
  );
});
