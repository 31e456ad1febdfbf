import { describe, expect, it } from 'vitest';
import { decodeFrame, type Frame } from '../../src/echonet/frame.js';
import { silentLogger } from '../../src/log.js';
import { tempDir } from '../support/temp.js';
import { FakeClient, FakeMeter, nullStream, recordingSession } from './fake-client.js';

type MeterSession = ReturnType<typeof recordingSession>;

describe('30-minute value when the meter clock and ours straddle midnight (§C.2 E2/E5)', () => {
  async function session(meter: FakeMeter, now: number | (() => number)): Promise<MeterSession> {
    const dir = tempDir('hems-skew-');
    return recordingSession({
      openStream: async () => nullStream(),
      createClient: () => new FakeClient(meter),
      model: 'BP35A1',
      routeBId: '0123456789ABCDEF0123456789ABCDEF',
      password: meter.password,
      stateDir: dir,
      timezone: 'Asia/Tokyo',
      timeouts: { response: 200, sendFailDelay: 1, term: 50 },
      logger: silentLogger,
      clock: typeof now === 'number' ? () => now : now,
    });
  }

  it('labels E2 slots by the meter’s day when our clock is already past midnight', async () => {
    // Ours: 2026-05-21 00:02 JST. The meter (2 min slow) is still on 05-20: its "today" (E5=0)
    // is 05-20, complete up to 23:30, and its latest fixed-time value is 23:30.
    const meter = new FakeMeter();
    meter.date = '2026-05-20';
    meter.history = Array.from({ length: 48 }, (_, i) => 120000 + i * 10);
    meter.ea = { y: 2026, mo: 5, d: 20, h: 23, mi: 30, raw: 120000 + 47 * 10 };
    const s = await session(meter, Date.UTC(2026, 4, 20, 15, 2));
    const env = await s.read();
    expect(env.reading.historical_timestamp).toBe('2026-05-20T14:30:00+00:00');
    expect(env.reading.recent_30min_timestamp).toBe('2026-05-20T14:30:00+00:00');
    expect(env.reading.recent_30min_consumption_kwh).toBe(1);
    await s.close();
  });

  it('postpones a history-day read near midnight, and while the meter’s date is not ours', async () => {
    const meter = new FakeMeter();
    meter.date = '2026-05-20';
    meter.history = Array.from({ length: 48 }, (_, i) => 120000 + i * 10);
    meter.ea = { y: 2026, mo: 5, d: 20, h: 23, mi: 30, raw: 120000 + 47 * 10 };
    const now = { ms: Date.UTC(2026, 4, 20, 15, 2) }; // 00:02 JST on 05-21
    const s = await session(meter, () => now.ms);
    await s.read();
    const sets = () => meter.requests.filter((f) => f.esv === 0x61).length;
    const before = sets();
    // Within 20 minutes of midnight: refused without a radio round trip.
    await expect(s.readHistoryDay(1)).rejects.toMatchObject({
      code: 'METER_BAD_RESPONSE',
      context: { postponed: true },
    });
    expect(sets()).toBe(before);
    // 00:40 ours, but the meter (far behind) still says 05-20: the answer is not stored.
    now.ms = Date.UTC(2026, 4, 20, 15, 40);
    await expect(s.readHistoryDay(1)).rejects.toMatchObject({
      code: 'METER_BAD_RESPONSE',
      context: { postponed: true },
    });
    // Once the meter's date is ours, E5 = 1 is our yesterday again.
    meter.date = '2026-05-21';
    await expect(s.readHistoryDay(1)).resolves.toMatchObject({ day: 1 });
    await s.close();
  });

  it('labels E2 slots by the meter’s day when the meter is already past midnight', async () => {
    // Ours: 2026-05-20 23:58 JST. The meter (3 min fast) is on 05-21 00:01: its today holds
    // only 00:00, so yesterday (05-20, ours today) is fetched too.
    const meter = new FakeMeter();
    meter.date = '2026-05-21';
    meter.history = Array.from({ length: 48 }, (_, i) => (i === 0 ? 122500 : null));
    meter.ea = { y: 2026, mo: 5, d: 21, h: 0, mi: 0, raw: 122500 };
    const s = await session(meter, Date.UTC(2026, 4, 20, 14, 58));
    const env = await s.read();
    expect(env.reading.recent_30min_timestamp).toBe('2026-05-20T15:00:00+00:00');
    expect(env.reading.recent_30min_consumption_kwh).toBe((122500 - (122000 + 47 * 10)) / 10);
    await s.close();
  });
});

describe('a meter slower than our response timeout (§D.2: 1–4 s typical, more seen)', () => {
  it('takes a late reply to an earlier TID of the same request instead of asking forever', async () => {
    const meter = new FakeMeter();
    const dir = tempDir('hems-late-');
    let client: SlowClient | null = null;
    const s = recordingSession({
      openStream: async () => nullStream(),
      createClient: () => {
        client = new SlowClient(meter);
        return client;
      },
      model: 'BP35A1',
      routeBId: '0123456789ABCDEF0123456789ABCDEF',
      password: meter.password,
      stateDir: dir,
      timezone: 'Asia/Tokyo',
      timeouts: { response: 100, resends: 2, sendFailDelay: 1, term: 50 },
      logger: silentLogger,
      clock: () => Date.UTC(2026, 4, 20, 5, 10),
    });
    await s.read();
    const c = client as unknown as SlowClient;
    c.slow = true;
    const before = meter.sent.length;
    const env = await s.read();
    expect(env.reading.instant_power_w).toBe(632);
    // The first Get's reply came after its timeout, while the resend was pending: that resend
    // is still answered late (or never); the old TID's reply must end the request.
    expect(meter.sent.length - before).toBe(2);
    expect(env.reading.cumulative_power_kwh).toBe(12345.6);
    await s.close();
  });
});

/** Holds back the reply to the first Get after `slow` is set until the second Get was sent; never answers that one. */
class SlowClient extends FakeClient {
  slow = false;
  private held: Frame | null = null;
  override async sendTo(ipv6: string, payload: Uint8Array): Promise<number> {
    if (!this.slow) return super.sendTo(ipv6, payload);
    const req = decodeFrame(payload);
    this.meter.sent.push(req);
    this.meter.requests.push(req);
    if (this.held === null) {
      this.held = this.meter.answer(req);
    } else {
      const late = this.held;
      this.slow = false;
      setImmediate(() => this.emitFrame(late));
    }
    return 0;
  }
}
