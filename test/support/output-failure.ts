import { expect } from 'vitest';
import { type HemsError, isOutputFailure } from '../../src/errors.js';

/** Awaits a promise that must reject with an output failure (OUTPUT_RETRYABLE or
 *  OUTPUT_REJECTED), and returns that error. */
export async function outputFailure(p: Promise<unknown>): Promise<HemsError> {
  const e = await p.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );
  expect(isOutputFailure(e), `not an output failure: ${String(e)}`).toBe(true);
  return e as HemsError;
}
