/**
 * The real serial path through the built CLI: `simulate` serves a dongle over TCP, socat turns
 * it into a PTY, and the collector opens that PTY with `serialport` (issue 3). Every run has
 * `--debug` on, so the same runs prove the B-route secrets never reach stdout or stderr.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type CliRun, startCli, tempDir } from '../support/cli.js';
import {
  CREDS,
  expectRecord,
  ID,
  lineCount,
  liveArgs,
  liveReadings,
  PASSWORD,
  type Pty,
  type Sim,
  startPty,
  startSim,
} from './harness.js';

const cases = [
  { dongle: 'BP35A1', family: 'single-hop', binary: true },
  { dongle: 'RL7023-IPS', family: 'single-hop', binary: false },
  { dongle: 'BP35C0', family: 'dual-stack', binary: true },
  { dongle: 'BP35C2', family: 'dual-stack', binary: true },
  { dongle: 'RS-WSUHA-P', family: 'dual-stack', binary: true },
  { dongle: 'RL7023-DSS', family: 'dual-stack', binary: false },
] as const;

const SECRETS = [PASSWORD, ID, ID.slice(-8)];

function expectNoSecret(text: string): void {
  const upper = text.toUpperCase();
  for (const s of SECRETS) expect(upper.includes(s.toUpperCase()), `"${s}" leaked`).toBe(false);
}

describe('collector on a socat PTY against `simulate`, every dongle family', () => {
  let sim: Sim | undefined;
  let pty: Pty | undefined;
  let cli: CliRun | undefined;

  afterEach(async () => {
    await cli?.stop('SIGKILL');
    await pty?.stop();
    await sim?.run.stop();
    cli = pty = sim = undefined;
  });

  for (const c of cases) {
    it(`${c.dongle} (${c.family}, ${c.binary ? 'binary' : 'hex'} ERXUDP): readings on stdout, no secret in --debug, SIGTERM → 0`, async () => {
      const dir = tempDir();
      // The emulator enforces the credentials, so a reading proves they were sent correctly.
      sim = await startSim(['--dongle', c.dongle, '--debug'], CREDS);
      pty = await startPty(sim.port, dir);
      cli = startCli(liveArgs(pty.path, `${dir}/state`, '--debug'), { env: CREDS, cwd: dir });
      const run = cli;
      await run.until(() => lineCount(run) >= 2, 'two readings');
      expect(await run.stop()).toBe(0);

      const readings = liveReadings(run.stdout());
      expect(readings.length).toBeGreaterThanOrEqual(2);
      for (const r of readings) expectRecord(r);
      // Everything on stdout is a record: logs and traces go to stderr only.
      expect(run.stdout().trim().split('\n')).toHaveLength(readings.length);

      const err = run.stderr();
      expect(err).toMatch(new RegExp(`dongle auto: ${c.family}, ${c.binary ? 'binary' : 'hex'} ERXUDP`));
      expect(err).toMatch(/> SKSETPWD C \*{4}$/m);
      expect(err).toMatch(/> SKSETRBID \*{4}$/m);
      expect(err).toMatch(/< EVENT 25 /);
      expect(err).toMatch(/> SKSENDTO 1 FE80:/);
      expectNoSecret(run.stdout());
      expectNoSecret(err);
      expectNoSecret(sim.run.stdout());
      expectNoSecret(sim.run.stderr());
    });
  }
});
