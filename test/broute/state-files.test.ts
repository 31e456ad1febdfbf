import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forgetPan, loadPan, savePan } from '../../src/broute/state-files.js';
import { loadSlots, saveSlots } from '../../src/service/slot-file.js';
import { tempDir } from '../support/temp.js';

const PAN = {
  channel: 0x21,
  panId: 0x6393,
  addr: '001C640003DD6393',
  ipv6: 'FE80:0000:0000:0000:021C:6400:03DD:6393',
};

describe('state files', () => {
  it('saves, loads and forgets the scan cache', async () => {
    const dir = join(tempDir('hems-state-'), 'nested');
    expect(await loadPan(dir)).toBeNull();
    await savePan(dir, PAN);
    expect(await loadPan(dir)).toEqual(PAN);
    await forgetPan(dir);
    expect(await loadPan(dir)).toBeNull();
  });
  it('keeps the command form the dongle accepted with the meter, and ignores a bad one', async () => {
    const dir = tempDir('hems-state-');
    await savePan(dir, { ...PAN, edition: 'dual-stack' });
    expect(await loadPan(dir)).toEqual({ ...PAN, edition: 'dual-stack' });
    await writeFile(join(dir, 'scan.json'), JSON.stringify({ ...PAN, edition: 'triple-stack' }));
    expect(await loadPan(dir)).toEqual(PAN);
  });
  it('treats malformed scan caches as absent', async () => {
    const dir = tempDir('hems-state-');
    for (const bad of [
      '{',
      '[]',
      JSON.stringify({ ...PAN, addr: 'xyz' }),
      JSON.stringify({ ...PAN, channel: -1 }),
    ]) {
      await writeFile(join(dir, 'scan.json'), bad);
      expect(await loadPan(dir)).toBeNull();
    }
  });
  it('keeps the 30-minute state per meter', async () => {
    const dir = tempDir('hems-state-');
    const state = { last: { atMs: 1000, raw: 5 }, recent: { atMs: 1000, deltaRaw: 2 } };
    await saveSlots(dir, 'AAAA', state);
    expect(await loadSlots(dir, 'AAAA')).toEqual(state);
    expect(await loadSlots(dir, 'BBBB')).toBeNull();
    expect(JSON.parse(await readFile(join(dir, 'slots.json'), 'utf8')).meter).toBe('AAAA');
    await writeFile(
      join(dir, 'slots.json'),
      JSON.stringify({ meter: 'AAAA', last: { atMs: 'x' }, recent: null }),
    );
    expect(await loadSlots(dir, 'AAAA')).toBeNull();
  });
});
