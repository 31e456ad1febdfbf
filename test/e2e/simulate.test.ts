/**
 * `simulate` through the built CLI: the field flags are validated (one line, exit 2), and
 * `--field` really resets, re-authenticates and limits transmissions, seen by a raw TCP client.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame, getRequest } from '../../src/echonet/frame.js';
import type { ReplyRecord } from '../../src/emulator/index.js';
import { runCliOnce, tempDir } from '../support/cli.js';
import { until } from '../support/wait.js';
import { CREDS, type Sim, startSim } from './harness.js';

const METER_IP = 'FE80:0000:0000:0000:021C:6400:036E:8CF5';

/** SKSENDTO of a Get E7 (single-hop form, the default BP35A1). */
function get(tid: number): Buffer {
  const payload = encodeFrame(getRequest(tid, 0x05ff01, 0x028801, [0xe7]));
  const len = payload.length.toString(16).toUpperCase().padStart(4, '0');
  return Buffer.concat([Buffer.from(`SKSENDTO 1 ${METER_IP} 0E1A 1 ${len} `, 'latin1'), payload]);
}

describe('simulate flags', () => {
  it.concurrent.for<[string[], RegExp]>([
    [
      ['--fault-reset-every', 'soon'],
      /^error: --fault-reset-every: must be a number from 0 to \d+ \(got "soon"\)$/,
    ],
    [['--fault-reauth-every', '-1'], /^error: --fault-reauth-every: must be a number from 0 to/],
    [['--fault-reset-send-reply', 'maybe'], /^error: --fault-reset-send-reply: must be one of ER10, event21/],
    [
      ['--fault-stale-session', 'gone'],
      /^error: --fault-stale-session: must be one of none, up, joining, reauth/,
    ],
    [['--fault-wrong-form', 'ER07'], /^error: --fault-wrong-form: must be one of ER04, ER05, ER06, silence/],
    [['--einfo-fields', '8'], /^error: --einfo-fields: must be one of 5, 6, 7 \(got "8"\)$/],
    [
      ['--fault-busy', 'EA:2', '--fault-busy', 'EAX:2'],
      /^error: --fault-busy: wants EPC:N .*\(got "EAX:2"\)$/,
    ],
    [
      ['--fault-tx-limit-every', '60', '--fault-tx-limit-for', '60'],
      /^error: --fault-tx-limit-for: must be shorter than --fault-tx-limit-every \(60 s\)$/,
    ],
    [
      ['--fault-meter-silent-for', '10'],
      /^error: --fault-meter-silent-for: has no effect without --fault-meter-silent-every$/,
    ],
    [['--fault-swap-meter-after', '1e99'], /^error: --fault-swap-meter-after: must be a number/],
    [
      ['--swap-meter-coefficient', '0'],
      /^error: --swap-meter-coefficient: must be a number from 1 to 999999/,
    ],
    [
      ['--meter-clock-skew', 'late'],
      /^error: --meter-clock-skew: must be a number from -\d+ to \d+ \(got "late"\)$/,
    ],
    [['--meter-update-delay', '1800'], /^error: --meter-update-delay: must be a number from 0 to 1799/],
    [
      ['--record', '/nonexistent-hems-dir/replies.jsonl'],
      /^error: --record: cannot open \/nonexistent-hems-dir\/replies\.jsonl: /,
    ],
  ])('%j → one line, exit 2', async ([args, message], { expect }) => {
    const r = await runCliOnce(['simulate', '--listen', '127.0.0.1:0', ...args]);
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('simulate --field', () => {
  let sim: Sim | undefined;
  afterEach(async () => {
    await sim?.run.stop();
    sim = undefined;
  });

  it('a raw client sees the stale join end, a re-auth inside its Gets, a TX limit and a module reset', async () => {
    const record = join(tempDir(), 'replies.jsonl');
    sim = await startSim(['--field', '--latency-scale', '0.01', '--record', record], CREDS);
    const socket = connect(sim.port, '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
    });
    const count = (s: string) => text.split(s).length - 1;
    try {
      // The previous "process" left a join running: it ends with EVENT 25 right after we attach.
      await until(() => count(`EVENT 25 ${METER_IP}`) >= 1, 'the stale join to end');
      const sent: number[] = [];
      // Every 100 ms a Get. Field rates × 0.01: re-auth 2.4 s after the join, TX limit at 4.2 s
      // for 0.4 s, the meter silent at 5.4 s, the module reset at 6 s (echo comes back on).
      const seen = () => ({
        reauth:
          count(`EVENT 25 ${METER_IP}`) >= 2 &&
          text.includes(`EVENT 21 ${METER_IP} 01\r\nEVENT 21 ${METER_IP} 00\r\n`),
        txLimit: /EVENT 32 \S+\r\n[\s\S]*EVENT 33 /.test(text),
        reset: text.includes(`SKSENDTO 1 ${METER_IP} 0E1A 1 000E \r\n`),
      });
      const ticker = setInterval(() => {
        const tid = sent.length + 1;
        sent.push(tid);
        socket.write(get(tid));
      }, 100);
      try {
        await until(() => Object.values(seen()).every(Boolean), 'a re-auth, a TX limit and a reset', {
          ms: 20_000,
        });
      } finally {
        clearInterval(ticker);
      }
      // A periodic re-auth: PANA on 02CC after the join's, inside the stream of Gets.
      expect(text).toMatch(/ERXUDP \S+ \S+ 02CC 02CC/);
      // Every answer the meter sent is recorded, decoded, for a Get we sent.
      const recs = readFileSync(record, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as ReplyRecord);
      expect(recs.length).toBeGreaterThan(0);
      for (const r of recs) {
        expect(r.meterMac).toBe('001C6400036E8CF5');
        expect(sent).toContain(r.tid);
        expect(Object.keys(r.props)).toEqual(['E7']);
        expect(Number.isInteger(r.props.E7)).toBe(true);
      }
    } finally {
      socket.destroy();
    }
    expect(await sim.run.stop()).toBe(0);
    sim = undefined;
  });
});
