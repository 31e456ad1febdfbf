/**
 * A wrong B-route password through the CLI: `simulate` enforces other credentials, the collector
 * says what is wrong in one line without the secret and keeps running until SIGTERM (issue 4).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startCli, tempDir } from '../support/cli.js';
import { CREDS, ID, liveArgs, PASSWORD, type Sim, startSim } from './harness.js';

const LOG_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO |WARN |ERROR) /;

describe('wrong password', () => {
  let sim: Sim | undefined;
  afterAll(async () => {
    await sim?.run.stop();
  });

  it('one clear error line naming the password, no secret, no stack trace; still running; SIGTERM → 0', async () => {
    sim = await startSim(['--dongle', 'BP35C2'], { B_ROUTE_ID: ID, B_ROUTE_PASSWORD: 'OtherPass123' });
    const run = startCli(liveArgs(sim.url, `${tempDir()}/state`), { env: CREDS });
    try {
      await run.until(() => /ERROR /.test(run.stderr()), 'the error line', 45_000);
      const err = run.stderr();
      const errors = err.split('\n').filter((l) => / ERROR /.test(l));
      expect(errors[0]).toMatch(/PANA authentication failed .*password/);
      expect(errors[0]).toMatch(/\[PANA_JOIN_FAILED\]$/);
      expect(err).toMatch(/WARN .*PANA join failed \(1 in a row\)/);
      for (const line of err.trim().split('\n')) expect(line).toMatch(LOG_LINE);
      for (const s of [PASSWORD, 'OtherPass123', ID, ID.slice(-8)]) {
        expect(err).not.toContain(s);
        expect(sim.run.stderr()).not.toContain(s);
      }
      expect(run.stdout()).toBe('');
      // The run loop survives the protocol error.
      expect(run.child.exitCode).toBeNull();
    } finally {
      expect(await run.stop()).toBe(0);
    }
  });
});
