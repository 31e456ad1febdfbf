/** A serial device that does not exist: a clear warning naming it, retried, never a crash (issue 4). */
import { describe, expect, it } from 'vitest';
import { startCli, tempDir } from '../support/cli.js';
import { CREDS } from './harness.js';

describe('missing serial device', () => {
  it('names the device on one line per try, keeps retrying, exits 0 on SIGTERM', async () => {
    const run = startCli(
      [
        '--port',
        '/dev/ttyDOESNOTEXIST',
        '-o',
        'stdout',
        '--mode',
        'interval',
        '-i',
        '1',
        '--state-dir',
        `${tempDir()}/state`,
      ],
      { env: CREDS },
    );
    try {
      const tries = () => run.stderr().match(/cannot open the dongle port \(try \d+\)/g)?.length ?? 0;
      await run.until(() => tries() >= 2, 'a second try', 20_000);
      const lines = run
        .stderr()
        .split('\n')
        .filter((l) => l.includes('cannot open the dongle port'));
      expect(lines[0]).toMatch(
        /WARN .*\/dev\/ttyDOESNOTEXIST not found \(check --port \/ SERIAL_PORT; --port sim runs the built-in emulator\) \[TRANSPORT_OPEN_FAILED\]$/,
      );
      expect(run.stderr()).not.toMatch(/^\s+at /m);
      expect(run.stdout()).toBe('');
      expect(run.child.exitCode).toBeNull();
    } finally {
      expect(await run.stop()).toBe(0);
    }
  });
});
