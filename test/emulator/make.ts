import { afterEach } from 'vitest';
import { Emulator, type EmulatorOptions, HAPPY_PATH } from '../../src/emulator/index.js';

const emus: Emulator[] = [];

// Registered in each test file that imports this: its emulators are closed after every test.
afterEach(async () => {
  for (const e of emus.splice(0)) await e.close();
});

/**
 * A fast emulator with a fixed meter clock (2026-05-20 12:10 JST), closed after the test. It
 * starts on the pure happy path (no periodic re-authentication either); `opts.faults` adds trouble.
 */
export function makeEmulator(opts: Partial<EmulatorOptions> = {}): Emulator {
  const emu = new Emulator({
    latencyScale: 0.001,
    clock: () => Date.UTC(2026, 4, 20, 3, 10),
    ...opts,
    faults: { ...HAPPY_PATH, ...opts.faults },
  });
  emus.push(emu);
  return emu;
}
