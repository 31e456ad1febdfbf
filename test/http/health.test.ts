import { describe, expect, it } from 'vitest';
import { healthOf } from '../../src/http/health.js';
import { status } from './fakes.js';

const NOW = Date.UTC(2024, 4, 1, 3, 0);
const INTERVAL = 60_000;

describe('healthOf', () => {
  it('is ok while the session is up and the last reading is fresh', () => {
    const h = healthOf(status({ lastReadingAt: NOW - 30_000 }), NOW, INTERVAL);
    expect(h).toEqual({
      code: 200,
      body: {
        status: 'ok',
        state: 'up',
        lastReadingAt: new Date(NOW - 30_000).toISOString(),
        ageSeconds: 30,
        meter: status().meter,
      },
    });
  });

  it('accepts a reading exactly two intervals old and fails just after', () => {
    expect(healthOf(status({ lastReadingAt: NOW - 2 * INTERVAL }), NOW, INTERVAL).code).toBe(200);
    const stale = healthOf(status({ lastReadingAt: NOW - 2 * INTERVAL - 1 }), NOW, INTERVAL);
    expect(stale.code).toBe(503);
    expect(stale.body).toMatchObject({
      status: 'fail',
      reason: 'stale: last reading 120 s ago',
      state: 'up',
    });
  });

  it('fails before the first reading', () => {
    const h = healthOf(status(), NOW, INTERVAL);
    expect(h.code).toBe(503);
    expect(h.body).toMatchObject({
      status: 'fail',
      reason: 'no reading yet',
      lastReadingAt: null,
      ageSeconds: null,
    });
  });

  it('fails while the session is not up, even with a fresh reading', () => {
    for (const state of [
      'joining',
      'backing-off',
      'tx-limited',
      'reauthenticating',
      'ready',
      'closed',
    ] as const) {
      const h = healthOf(status({ state, lastReadingAt: NOW - 1000 }), NOW, INTERVAL);
      expect(h.code).toBe(503);
      expect(h.body).toMatchObject({ status: 'fail', reason: `session not up (state ${state})` });
    }
  });

  it('fails while the store cannot be written, before any session reason, and says so in the body', () => {
    const store = { up: false, problem: 'cannot write /x/hems.db (EROFS: read-only file system)' };
    const fresh = healthOf(status({ lastReadingAt: NOW - 1000 }), NOW, INTERVAL, store);
    expect(fresh).toEqual({
      code: 503,
      body: {
        status: 'fail',
        reason: 'store unavailable: cannot write /x/hems.db (EROFS: read-only file system)',
        state: 'up',
        lastReadingAt: new Date(NOW - 1000).toISOString(),
        ageSeconds: 1,
        meter: status().meter,
        store,
      },
    });
    expect(healthOf(status({ state: 'joining' }), NOW, INTERVAL, store).body).toMatchObject({
      reason: expect.stringMatching(/^store unavailable: /),
    });
    const ok = healthOf(status({ lastReadingAt: NOW - 1000 }), NOW, INTERVAL, { up: true, problem: null });
    expect(ok).toMatchObject({ code: 200, body: { status: 'ok', store: { up: true, problem: null } } });
  });
});
