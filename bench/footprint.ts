/**
 * The collector's footprint (issue 17; not a test; run by `npm run bench` after the build):
 *   node --import tsx bench/footprint.ts [--readings 200]
 * The built collector reads every second from a serial device: a socat pseudo-terminal in front
 * of the emulator, which runs in a process of its own (`simulate`), so the figures are the
 * collector's alone. After 5 readings to settle it counts, over `--readings` more (enough to
 * include a WAL checkpoint, about one per 170 readings), the bytes the collector wrote
 * (`write_bytes` of /proc/PID/io: what it sent towards the disk) and its fsync and fdatasync
 * calls (strace -f -y, by file); its resident memory (VmRSS of /proc/PID/status) is read after
 * 100 readings. `-o stdout`, and `-o stdout file` for the cost of a second output, each twice:
 * - "1 s apart", as run. The kernel writes a dirty page back 30 s after it was dirtied, so a page
 *   written again meanwhile (the shared-memory index of the WAL) counts once. The goals apply.
 * - "written back": half a second after each reading the bench flushes the collector's files, as
 *   the kernel has done by the next reading at the default 5-minute schedule, so every reading
 *   dirties clean pages: the bytes of a day at that schedule.
 * Goals (issue 17): at most 60 MiB RSS with `-o stdout`; at most 12 KiB written and 2 fsyncs per
 * reading and output.
 */
import {
  closeSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { findProgram } from '../test/support/programs.js';
import { everySecond, type Pty, type Sim, startPty, startSimIn } from '../test/support/sim-pty.js';
import { type CliRun, killLiveClis, MAIN, ROOT, spawnCli } from '../test/support/spawn-cli.js';
import { until } from '../test/support/wait.js';

const { values } = parseArgs({ options: { readings: { type: 'string', default: '200' } } });
const readings = Number(values.readings);
if (!Number.isInteger(readings) || readings < 1) {
  console.error('usage: bench/footprint.ts [--readings N>0]');
  process.exit(2);
}

const SETTLE = 5;
const RSS_AFTER = 100;
const GOAL = { rssMiB: 60, kibPerOutput: 12, fsyncsPerOutput: 2 };
const CREDS = { B_ROUTE_ID: '00112233445566778899AABBCCDDEEFF', B_ROUTE_PASSWORD: 'ABCDEFGHIJKL' };
const TMPFS_MAGIC = 0x01021994;
const SYNC_CALLS = ['fsync', 'fdatasync', 'syncfs', 'sync'];
const strace = findProgram('strace');
if (!findProgram('socat')) {
  console.error('bench/footprint.ts needs socat (apt-get install socat)');
  process.exit(1);
}

/** A directory on a disk: pages of a tmpfs are never written back, so they would not count. */
function workDir(): string {
  const base = statfsSync(tmpdir()).type === TMPFS_MAGIC ? ROOT : tmpdir();
  return mkdtempSync(join(base, '.hems-bench-footprint-'));
}

/** The collector's pid: the child of strace running dist/cli/main.js (strace also starts
 *  short-lived children of its own to probe the kernel), or the child itself without strace. */
async function collectorPid(run: CliRun): Promise<number> {
  const top = run.child.pid ?? 0;
  if (!strace) return top;
  let pid: number | undefined;
  await until(() => {
    pid = collectorsUnder(top)[0];
    return pid !== undefined;
  }, 'the collector under strace');
  return pid ?? top;
}

function collectorsUnder(parent: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces, so split after its closing parenthesis.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      // After its exec: strace's own children carry strace's command line, which names MAIN too.
      const [argv0, argv1] = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv0 === process.execPath && argv1 === MAIN) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const rssKiB = (pid: number): number =>
  Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
const writeBytes = (pid: number): number =>
  Number(/^write_bytes:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1]);

/** fsync-like calls so far by file name (strace -y prints `fsync(19</dir/hems.db-wal>)`). */
function syncsByFile(straceOut: string): Map<string, number> {
  const calls = new RegExp(`^\\d+\\s+(?:${SYNC_CALLS.join('|')})\\((?:\\d+<([^>]*)>)?`, 'gm');
  const out = new Map<string, number>();
  for (const m of readFileSync(straceOut, 'utf8').matchAll(calls)) {
    const name = m[1] ? basename(m[1]) : '(no file)';
    out.set(name, (out.get(name) ?? 0) + 1);
  }
  return out;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Stops the collector by its pid (strace, told to stop, would leave it running detached): SIGTERM,
 *  then SIGKILL if it is still there after 10 s; then strace ends by itself. */
async function stopCollector(run: CliRun): Promise<void> {
  const top = run.child.pid ?? 0;
  const exited = new Promise((resolve) => run.child.once('exit', resolve));
  if (run.child.exitCode !== null || run.child.signalCode !== null) return;
  for (const pid of strace ? collectorsUnder(top) : [top]) {
    process.kill(pid, 'SIGTERM');
    await until(() => !alive(pid), 'the collector to stop').catch(() => {
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    });
  }
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  await exited;
}

/** What the kernel does to dirty pages after 30 s: written to the disk, clean again. */
function writeBack(paths: string[]): void {
  for (const path of paths) {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      continue; // not created (yet)
    }
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

interface Result {
  outputs: string[];
  writtenBack: boolean;
  rssKiB: number;
  bytesPerReading: number;
  /** Per reading, by file name; null without strace. */
  syncs: Map<string, number> | null;
}

async function measure(outputs: string[], writtenBack: boolean): Promise<Result> {
  const dir = workDir();
  const state = join(dir, 'state');
  const file = join(dir, 'out.csv');
  const straceOut = join(dir, 'strace.txt');
  let sim: Sim | null = null;
  let pty: Pty | null = null;
  let run: CliRun | null = null;
  try {
    sim = await startSimIn(dir, [], CREDS);
    pty = await startPty(sim.port, dir);
    const trace = `trace=${SYNC_CALLS.join(',')}`;
    const wrap = strace ? [strace, '-f', '-y', '--seccomp-bpf', '-qq', '-e', trace, '-o', straceOut] : [];
    const fileArgs = outputs.includes('file') ? ['--file', file] : [];
    const cli = spawnCli(['--port', pty.path, '-o', ...outputs, ...fileArgs, ...everySecond(state)], {
      cwd: dir,
      env: CREDS,
      wrap,
    });
    run = cli;
    const lines = (): number => cli.stdout().split('\n').length - 1;
    const collector = await collectorPid(cli);
    await cli.until(() => lines() >= SETTLE, `${SETTLE} readings`);
    const files = [join(state, 'hems.db'), join(state, 'hems.db-wal'), join(state, 'hems.db-shm'), file];
    if (writtenBack) writeBack(files);
    const bytes0 = writeBytes(collector);
    const syncs0 = strace ? syncsByFile(straceOut) : null;
    let rss = 0;
    const last = SETTLE + readings;
    for (let seen = SETTLE; seen < last; seen++) {
      await cli.until(() => lines() > seen, `reading ${seen + 1}`, 60_000);
      if (seen + 1 === Math.min(RSS_AFTER, last)) rss = rssKiB(collector);
      if (writtenBack && seen + 1 < last) {
        await new Promise((r) => setTimeout(r, 500));
        writeBack(files);
      }
    }
    const bytes1 = writeBytes(collector);
    const syncs1 = strace ? syncsByFile(straceOut) : null;
    let syncs: Map<string, number> | null = null;
    if (syncs0 && syncs1) {
      syncs = new Map();
      for (const [name, n] of syncs1) {
        const d = n - (syncs0.get(name) ?? 0);
        if (d > 0) syncs.set(name, d / readings);
      }
    }
    return { outputs, writtenBack, rssKiB: rss, bytesPerReading: (bytes1 - bytes0) / readings, syncs };
  } finally {
    if (run) await stopCollector(run);
    await pty?.stop();
    await sim?.run.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

console.log(
  `collector footprint: serial device (socat PTY, emulator in another process), a reading every 1 s; ` +
    `I/O over ${readings} readings after ${SETTLE}, RSS after ${Math.min(RSS_AFTER, SETTLE + readings)}`,
);
if (!strace) console.log('  fsyncs not counted: strace is not installed (apt-get install strace)');
const runs = [false, true].flatMap((writtenBack) =>
  [['stdout'], ['stdout', 'file']].map((outputs) => ({ outputs, writtenBack })),
);
let settled: PromiseSettledResult<Result>[];
try {
  settled = await Promise.allSettled(runs.map((r) => measure(r.outputs, r.writtenBack)));
} finally {
  await killLiveClis();
}

let pass = strace !== undefined;
for (const [i, s] of settled.entries()) {
  if (s.status === 'rejected') {
    const r = runs[i]!;
    console.log(
      `  -o ${r.outputs.join(' ')} ${r.writtenBack ? 'written back' : '1 s apart'}: failed: ${s.reason}`,
    );
    pass = false;
    continue;
  }
  const r = s.value;
  const n = r.outputs.length;
  const kib = r.bytesPerReading / 1024;
  const judged = !r.writtenBack;
  const bytesOk = kib / n <= GOAL.kibPerOutput;
  const syncsOk = r.syncs !== null && total(r.syncs) / n <= GOAL.fsyncsPerOutput;
  const rssOk = r.rssKiB / 1024 <= GOAL.rssMiB;
  const files = r.syncs ? [...r.syncs].map(([f, x]) => `${f} ${x.toFixed(2)}`).join(', ') : '';
  const parts = [
    `RSS ${(r.rssKiB / 1024).toFixed(1)} MiB${judged && n === 1 ? ` ${verdict(rssOk)}` : ''}`,
    `written ${kib.toFixed(1)} KiB/reading, ${(kib / n).toFixed(1)} per output${judged ? ` ${verdict(bytesOk)}` : ''}`,
    r.syncs === null
      ? 'fsyncs ?'
      : `fsyncs ${total(r.syncs).toFixed(2)}/reading (${files}), ${(total(r.syncs) / n).toFixed(2)} per output${judged ? ` ${verdict(syncsOk)}` : ''}`,
  ];
  if (r.writtenBack) parts.push(`${((r.bytesPerReading * 288) / 1e6).toFixed(1)} MB a day at 5 min`);
  console.log(
    `  ${`-o ${r.outputs.join(' ')}`.padEnd(16)} ${(r.writtenBack ? 'written back' : '1 s apart').padEnd(13)}${parts.join('; ')}`,
  );
  if (judged) pass &&= bytesOk && syncsOk && (n > 1 || rssOk);
}
console.log(
  `  goals (1 s apart): RSS <= ${GOAL.rssMiB} MiB with -o stdout, <= ${GOAL.kibPerOutput} KiB written and <= ${GOAL.fsyncsPerOutput} fsyncs per reading and output: ${verdict(pass)}`,
);
