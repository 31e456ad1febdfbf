import { describe, expect, test } from 'vitest';
import { HemsError } from '../../src/errors.js';
import type { Envelope } from '../../src/reading/record.js';
import { createPendingWrites, type PendingWritesOptions } from '../../src/sinks/pending.js';
import { envelope } from '../support/envelope.js';
import { captureLogger } from '../support/logger.js';
import { until } from '../support/wait.js';

/** A store that keeps what it is given, in order, and refuses everything while `broken`. */
function switchableStore() {
  const rows: { id: string; outputs: string[] }[] = [];
  const ctl = { broken: false, rows, tries: 0 };
  const store: PendingWritesOptions['store'] = {
    insert(env: Envelope, outputs: readonly string[]) {
      ctl.tries++;
      if (ctl.broken) throw new HemsError('STORE_FAILED', 'store insert failed: database or disk is full');
      rows.push({ id: env.id, outputs: [...outputs] });
      return true;
    },
  };
  return { store, ctl };
}

const id = (i: number) => envelope(i).id;

describe('pending writes', () => {
  test('writes through while the store works; holds in order while it fails; writes all, in order, after', () => {
    const { store, ctl } = switchableStore();
    const logger = captureLogger();
    let stored = 0;
    const p = createPendingWrites({ store, logger, onStored: () => stored++ });
    p.write(envelope(0), ['stdout', 'webhook']);
    expect(p.held()).toHaveLength(0);
    ctl.broken = true;
    const held = [envelope(1), envelope(2), envelope(3)];
    for (const e of held) p.write(e, ['stdout', 'webhook']);
    expect(p.held().map((h) => h.env.id)).toEqual([id(1), id(2), id(3)]);
    expect(logger.lines.filter((l) => l.level === 'error')).toHaveLength(1);
    // Outputs deliver from memory meanwhile: stdout had all three, the webhook only the first.
    for (const e of held) expect(p.delivered(e, 'stdout')).toBe(true);
    expect(p.delivered(held[0]!, 'webhook')).toBe(true);
    ctl.broken = false;
    p.write(envelope(4), ['stdout', 'webhook']);
    expect(p.held()).toHaveLength(0);
    expect(ctl.rows).toEqual([
      { id: id(0), outputs: ['stdout', 'webhook'] },
      { id: id(1), outputs: [] },
      { id: id(2), outputs: ['webhook'] },
      { id: id(3), outputs: ['webhook'] },
      { id: id(4), outputs: ['stdout', 'webhook'] },
    ]);
    expect(stored).toBe(2);
    expect(logger.lines.at(-1)).toEqual({
      level: 'info',
      msg: 'store takes readings again: the 4 reading(s) held in memory are now stored',
    });
    // Delivered after it went into the store: the caller learns the row exists.
    expect(p.delivered(held[2]!, 'webhook')).toBe(false);
    p.close();
  });

  test('retries by itself with backoff while nothing new is written', async () => {
    const { store, ctl } = switchableStore();
    ctl.broken = true;
    let stored = 0;
    const p = createPendingWrites({ store, backoff: { baseMs: 10, maxMs: 40 }, onStored: () => stored++ });
    p.write(envelope(0), ['webhook']);
    await until(() => ctl.tries >= 4, 'a few retries');
    ctl.broken = false;
    await until(() => stored === 1, 'the held reading stored');
    expect(ctl.rows.map((r) => r.id)).toEqual([id(0)]);
    expect(p.state()).toEqual({ held: 0, dropped: 0 });
    p.close();
  });

  test('bounded: past max the oldest is dropped, loudly, and counted per output still waiting', () => {
    const { store, ctl } = switchableStore();
    ctl.broken = true;
    const logger = captureLogger();
    const p = createPendingWrites({ store, logger, max: 3 });
    for (let i = 0; i < 5; i++) p.write(envelope(i), ['stdout', 'webhook']);
    p.delivered(p.held()[0]!.env, 'stdout');
    p.write(envelope(5), ['stdout', 'webhook']);
    expect(p.held().map((h) => h.env.id)).toEqual([id(3), id(4), id(5)]);
    expect(p.state()).toEqual({ held: 3, dropped: 3 });
    expect(p.droppedFor('webhook')).toBe(3);
    expect(p.droppedFor('stdout')).toBe(2);
    const warns = logger.lines.filter((l) => l.level === 'warn');
    expect(warns).toHaveLength(3);
    expect(warns[0]!.msg).toMatch(
      /^store unavailable and 3 readings held in memory: dropped the oldest \(\S+\), it will not be in the history nor reach stdout, webhook$/,
    );
    p.close();
  });

  test('a repeat of a held reading is not held twice', () => {
    const { store, ctl } = switchableStore();
    ctl.broken = true;
    const p = createPendingWrites({ store });
    p.write(envelope(1), ['webhook']);
    p.write(envelope(1), ['webhook']);
    expect(p.held()).toHaveLength(1);
    p.close();
  });
});
