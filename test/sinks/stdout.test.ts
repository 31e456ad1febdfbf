import { describe, expect, it } from 'vitest';
import { csvHeader, renderRecord } from '../../src/sinks/format.js';
import { createStdoutSink } from '../../src/sinks/stdout.js';
import { sampleEnvelope } from '../support/envelope.js';
import { outputFailure } from '../support/output-failure.js';

describe('stdout sink', () => {
  it('writes the CSV header once, then one row per reading', async () => {
    const out: string[] = [];
    const sink = createStdoutSink({ format: 'csv', write: async (t) => void out.push(t) });
    await sink.deliver(sampleEnvelope());
    await sink.deliver(sampleEnvelope({ instant_power_w: 1 }));
    expect(out.join('')).toBe(
      csvHeader() +
        renderRecord('csv', sampleEnvelope()) +
        renderRecord('csv', sampleEnvelope({ instant_power_w: 1 })),
    );
  });

  it('writes json lines without a header and is a local output', async () => {
    const out: string[] = [];
    const sink = createStdoutSink({ format: 'json', write: async (t) => void out.push(t) });
    await sink.deliver(sampleEnvelope());
    expect(out).toEqual([renderRecord('json', sampleEnvelope())]);
    expect(sink.name).toBe('stdout');
    expect(sink.remote).toBe(false);
  });

  it('turns a write failure into a retryable output failure and retries the header after it', async () => {
    const out: string[] = [];
    let fail = true;
    const sink = createStdoutSink({
      format: 'csv',
      write: async (t) => {
        if (fail) throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        out.push(t);
      },
    });
    const err = await outputFailure(sink.deliver(sampleEnvelope()));
    expect(err.code).toBe('OUTPUT_RETRYABLE');
    expect(err.message).toContain('EPIPE');
    fail = false;
    await sink.deliver(sampleEnvelope());
    expect(out.join('')).toBe(csvHeader() + renderRecord('csv', sampleEnvelope()));
  });
});
