/** SIGHUP through the built CLI (issue 16): logged and survived, not an exit 129 without a flush. */
import { describe, expect, it } from 'vitest';
import { startCli, tempDir } from '../support/cli.js';
import { CREDS, lineCount, liveArgs } from './harness.js';

describe('SIGHUP', () => {
  it('says there is nothing to reload and keeps collecting; SIGTERM still stops it cleanly', async () => {
    const run = startCli(liveArgs('sim', tempDir()), { env: CREDS });
    await run.until(() => lineCount(run) >= 1, 'a reading');
    run.child.kill('SIGHUP');
    await run.until(() => run.stderr().includes('SIGHUP received'), 'the SIGHUP line');
    expect(run.stderr()).toMatch(
      /INFO {2}\[hems\] SIGHUP received: nothing to reload .*; log output continues/,
    );
    const after = lineCount(run);
    await run.until(() => lineCount(run) > after, 'a reading after SIGHUP');
    expect(await run.stop()).toBe(0);
    expect(run.stderr()).toContain('SIGTERM received');
  });
});
