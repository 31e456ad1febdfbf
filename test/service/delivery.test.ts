import { describe, expect, it } from 'vitest';
import { HemsError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import type { Envelope } from '../../src/reading/record.js';
import { createMemoryDelivery } from '../../src/service/delivery.js';
import type { Sink } from '../../src/sinks/types.js';
import { envelope } from '../sinks/envelopes.js';

function sink(name: 'stdout' | 'file', failWhile: () => boolean) {
  const got: number[] = [];
  const s: Sink = {
    name,
    remote: false,
    async deliver(env: Envelope) {
      if (failWhile()) throw new HemsError('OUTPUT_RETRYABLE', 'disk full writing x');
      got.push(env.reading.instant_power_w ?? -1);
    },
    async stop() {},
  };
  return { s, got };
}

describe('in-memory delivery', () => {
  it('isolates outputs and retries a failed record first, in order, on the next cycle', async () => {
    let fileBroken = true;
    const out = sink('stdout', () => false);
    const file = sink('file', () => fileBroken);
    const logs: string[] = [];
    const d = createMemoryDelivery({
      sinks: [out.s, file.s],
      logger: createLogger({ write: (l) => logs.push(l) }),
    });
    await d.submit(envelope({ instant_power_w: 1 }));
    await d.submit(envelope({ instant_power_w: 2 }));
    expect(out.got).toEqual([1, 2]);
    expect(file.got).toEqual([]);
    expect(logs[0]).toContain('output file failed (1 pending): disk full writing x');
    fileBroken = false;
    await d.submit(envelope({ instant_power_w: 3 }));
    expect(file.got).toEqual([1, 2, 3]);
    await d.flush(100);
    await d.close();
  });

  it('flush delivers what is pending', async () => {
    let broken = true;
    const file = sink('file', () => broken);
    const d = createMemoryDelivery({ sinks: [file.s], logger: createLogger({ write: () => {} }) });
    await d.submit(envelope({ instant_power_w: 5 }));
    broken = false;
    await d.flush(1000);
    expect(file.got).toEqual([5]);
  });
});
