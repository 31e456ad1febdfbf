import { expect } from 'vitest';
import { SinkError } from '../../src/sinks/types.js';

/** Awaits a promise that must reject with a SinkError, and returns that error. */
export async function sinkFailure(p: Promise<unknown>): Promise<SinkError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SinkError);
    return e as SinkError;
  }
  throw new Error('expected a failure');
}
