/** Radio trouble through the CLI (issue 4): failed joins are retried with backoff, lost replies resent. */
import { describe, expect, it, type TestContext } from 'vitest';
import { type CliRun, startCli, tempDir } from '../support/cli.js';
import { CREDS, expectRecord, lineCount, liveArgs, liveReadings, startSim } from './harness.js';

/** The time of the first stderr log line matching `re`. */
function timeOf(stderr: string, re: RegExp): number {
  const line = stderr.split('\n').find((l) => re.test(l));
  expect(line, `no log line matching ${re}`).toBeDefined();
  return Date.parse(line!.slice(0, 24));
}

// The two cases wait on real backoffs and resend timeouts: they run side by side.
describe.concurrent('radio faults from `simulate`', () => {
  /** An emulator with `faults` and a collector against it, both stopped when the test ends. */
  const start = async (
    onTestFinished: TestContext['onTestFinished'],
    faults: string[],
    extra: string[] = [],
  ): Promise<CliRun> => {
    const sim = await startSim(faults, CREDS);
    onTestFinished(async () => {
      await sim.run.stop();
    });
    const run = startCli(liveArgs(sim.url, `${tempDir()}/state`, ...extra), { env: CREDS });
    onTestFinished(async () => {
      await run.stop('SIGKILL');
    });
    return run;
  };

  it('--fault-join-failures 2: both failures logged, retried with growing backoff, then readings', async ({
    expect,
    onTestFinished,
  }) => {
    const r = await start(onTestFinished, ['--fault-join-failures', '2']);
    await r.until(() => lineCount(r) >= 1, 'a reading after two failed joins', 40_000);
    const err = r.stderr();
    const first = timeOf(err, /PANA join failed \(1 in a row\)/);
    const second = timeOf(err, /PANA join failed \(2 in a row\)/);
    const up = timeOf(err, /PANA session up/);
    expect(second - first).toBeGreaterThanOrEqual(1_000);
    expect(up - second).toBeGreaterThan(second - first);
    expect(err).not.toMatch(/PANA join failed \(3 in a row\)/);
    expect(await r.stop()).toBe(0);
    for (const rec of liveReadings(r.stdout())) expectRecord(rec);
  });

  it('--fault-drop-responses 2: the Get is resent with a fresh TID and readings arrive', async ({
    expect,
    onTestFinished,
  }) => {
    const r = await start(onTestFinished, ['--fault-drop-responses', '2'], ['--debug']);
    await r.until(() => lineCount(r) >= 2, 'two readings after two lost replies', 45_000);
    expect(await r.stop()).toBe(0);
    const beforeFirst = r.stderr().split(/meter constants/)[0]!;
    const sends = [
      ...beforeFirst.matchAll(/> SKSENDTO 1 \S+ 0E1A 1 (?:0 )?[0-9A-F]{4} 1081([0-9A-F]{4})(\S+)/g),
    ];
    // Two lost, the third answered: the same request three times, each with its own TID.
    expect(sends.length).toBeGreaterThanOrEqual(3);
    const tids = sends.map((m) => m[1]);
    expect(new Set(tids).size).toBe(tids.length);
    expect(new Set(sends.map((m) => m[2])).size).toBe(1);
    for (const rec of liveReadings(r.stdout())) expectRecord(rec);
  });
});
