import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Envelope } from '../reading/record.js';
import type { Sink } from '../sinks/types.js';

/**
 * What the run loop hands readings to. The real one (src/sinks/delivery.ts, store-backed
 * outbox) has this shape; `createMemoryDelivery` is the stand-in used when it is absent.
 */
export interface Delivery {
  /** Stores the reading and delivers it to the local sinks; remote ones drain in the background. Never throws for a sink failure. */
  submit(env: Envelope): Promise<void>;
  /** Tries to deliver what is pending, for at most `ms`. */
  flush(ms: number): Promise<void>;
  close(): Promise<void>;
  /** Per-output outbox figures, when the delivery keeps them (metrics, dashboard). */
  stats?(): Record<string, OutputStats>;
}

export interface OutputStats {
  depth: number;
  delivered: number;
  failures: number;
  dropped: number;
  lastError: string | null;
}

export interface MemoryDeliveryOptions {
  sinks: Sink[];
  logger: Logger;
  /** Per-sink queue bound; the oldest record is dropped beyond it. */
  max?: number;
}

/**
 * In-memory delivery: one queue per sink, in order, each sink isolated from the others.
 * A failed record stays queued and is retried before newer ones on the next submit/flush.
 */
export function createMemoryDelivery(o: MemoryDeliveryOptions): Delivery {
  const max = o.max ?? 10_000;
  const queues = new Map<Sink, Envelope[]>(o.sinks.map((s) => [s, []]));
  let started = false;

  const start = async (): Promise<void> => {
    if (started) return;
    started = true;
    for (const s of o.sinks) {
      try {
        await s.start?.();
      } catch (e) {
        o.logger.error(`output ${s.name} failed to start: ${describeError(e)}`);
      }
    }
  };

  const drain = async (sink: Sink, deadline: number): Promise<void> => {
    const q = queues.get(sink) ?? [];
    while (q.length > 0 && Date.now() <= deadline) {
      const env = q[0] as Envelope;
      try {
        await sink.deliver(env);
        q.shift();
      } catch (e) {
        o.logger.error(`output ${sink.name} failed (${q.length} pending): ${describeError(e)}`);
        return;
      }
    }
  };

  return {
    async submit(env) {
      await start();
      for (const q of queues.values()) {
        q.push(env);
        if (q.length > max) q.shift();
      }
      await Promise.all(o.sinks.map((s) => drain(s, Number.POSITIVE_INFINITY)));
    },
    async flush(ms) {
      await start();
      const deadline = Date.now() + ms;
      await Promise.all(o.sinks.map((s) => drain(s, deadline)));
    },
    async close() {
      for (const s of o.sinks) {
        try {
          await s.stop();
        } catch (e) {
          o.logger.warn(`output ${s.name} did not stop cleanly: ${describeError(e)}`);
        }
      }
    },
  };
}
