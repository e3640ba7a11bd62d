/** The assertion every options test makes of a refused value. */
import { ConfigError, ErrorType } from '../../src/errors';

/** Runs `compile` and asserts it throws a ConfigError naming `field` first, with `message` in it. */
export function expectConfigError(compile: () => unknown, field: string, message: string): void {
  // Act
  const error: unknown = (() => {
    try {
      return compile();
    } catch (e) {
      return e;
    }
  })();
  // Assess
  expect(error).toBeInstanceOf(ConfigError);
  expect(error).toMatchObject({ field, type: ErrorType.Config });
  expect((error as Error).message).toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: `));
  expect((error as Error).message).toContain(message);
}
