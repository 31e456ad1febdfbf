/**
 * scripts/test-prereqs.sh, which `npm test` runs first (issue 18): silent when the programs the
 * tests use are there; otherwise it installs them with apt-get when that needs no password, or
 * stops at once with one line naming the packages and the command. Each case runs the script
 * from a world-readable copy, with a PATH holding only the programs the case is about.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, type RunResult, run } from '../service-manager/helpers.js';
import { AS_UNPRIVILEGED, readableCopy } from '../support/other-user.js';
import { program } from '../support/programs.js';

const BASH = program('bash');
const INSTALL_ARGS = 'install -y --no-install-recommends';
const INSTALL = `apt-get ${INSTALL_ARGS}`;
// The script also looks in the sbin directories, where Debian puts mosquitto: a PATH hides it
// only where it is installed elsewhere.
const SBIN_MOSQUITTO = ['/usr/local/sbin', '/usr/sbin', '/sbin'].some((d) =>
  existsSync(join(d, 'mosquitto')),
);
const maybe = (name: string): string[] => (SBIN_MOSQUITTO ? [] : [name]);
/** What a PATH holding none of the programs leaves missing, in the script's order. */
const HIDDEN = [
  'socat',
  ...maybe('mosquitto'),
  'shellcheck',
  'systemd',
  'make',
  'python3',
  'util-linux',
  'chromium',
];
const PROGRAMS = [
  'socat',
  ...maybe('mosquitto'),
  'shellcheck',
  'systemd-analyze',
  'systemd-escape',
  'systemd-notify',
  'make',
  'python3',
  'setpriv',
  'chromium',
];

interface Sandbox {
  dir: string;
  bin: string;
  /** Lines the stand-in sudo and apt-get wrote (both log here). */
  log(): string[];
}

/** A readable copy of the script, an empty bin/ for PATH and a log that any user can append to. */
function sandbox(): Sandbox {
  const dir = readableCopy(REPO, ['scripts/test-prereqs.sh']);
  const bin = join(dir, 'bin');
  mkdirSync(bin, { mode: 0o755 });
  const logFile = join(dir, 'calls.log');
  writeFileSync(logFile, '');
  chmodSync(logFile, 0o666);
  const log = () => readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
  return { dir, bin, log };
}

function link(box: Sandbox, name: string): void {
  symlinkSync(program(name), join(box.bin, name));
}

/** A stand-in program in bin/ that logs its name and arguments, then runs `body`. */
function standIn(box: Sandbox, name: string, body: string): void {
  const path = join(box.bin, name);
  const log = join(box.dir, 'calls.log');
  writeFileSync(
    path,
    `#!${BASH}\necho "${name} \${DEBIAN_FRONTEND:+DEBIAN_FRONTEND=$DEBIAN_FRONTEND }$*" >>${log}\n${body}\n`,
  );
  chmodSync(path, 0o755);
}

/** A sandbox with a password-less sudo and an apt-get that runs `aptBody` (both stand-ins). */
function withApt(aptBody: string): Sandbox {
  const box = sandbox();
  link(box, 'env');
  standIn(box, 'sudo', '[ "$1" = -n ] && shift; [ "$1" = true ] && exit 0; exec "$@"');
  standIn(box, 'apt-get', aptBody);
  return box;
}

/** Runs the copy with PATH = bin/ (by default), as an unprivileged user when `unprivileged`. */
function check(
  box: Sandbox,
  unprivileged: boolean,
  path = box.bin,
  extra: string[] = [],
): Promise<RunResult> {
  const [cmd, ...args] = [
    ...(unprivileged ? AS_UNPRIVILEGED : []),
    BASH,
    'scripts/test-prereqs.sh',
    ...extra,
  ];
  return run(cmd ?? BASH, args, { cwd: box.dir, env: { PATH: path, LANG: 'C.UTF-8' } });
}

const lines = (text: string): string[] => text.split('\n').filter(Boolean);

describe('scripts/test-prereqs.sh', () => {
  it('says nothing and exits 0 when every program is installed', async () => {
    // Unprivileged, so that it could not install anything even if something were missing.
    const r = await check(sandbox(), true, process.env['PATH']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('without root or sudo: one line naming the packages and the command, exit 1', async () => {
    const box = sandbox();
    link(box, 'apt-get');
    const r = await check(box, true);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `test prerequisites: missing ${HIDDEN.join(' ')}; install them as root, then run npm test again: apt-get update && ${INSTALL} ${HIDDEN.join(' ')}\n`,
    );
  });

  it('--bench (npm run bench) also wants strace, and names npm run bench in its line', async () => {
    const box = sandbox();
    link(box, 'apt-get');
    const r = await check(box, true, box.bin, ['--bench']);
    expect(r.code).toBe(1);
    const wanted = [...HIDDEN, 'strace'].join(' ');
    expect(r.stderr).toBe(
      `test prerequisites: missing ${wanted}; install them as root, then run npm run bench again: apt-get update && ${INSTALL} ${wanted}\n`,
    );
    const bad = await check(box, true, box.bin, ['--nonsense']);
    expect(bad.code).toBe(2);
  });

  it('with a sudo that wants a password: the same line, with the sudo command', async () => {
    const box = sandbox();
    link(box, 'apt-get');
    standIn(box, 'sudo', 'exit 1');
    const r = await check(box, true);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `test prerequisites: missing ${HIDDEN.join(' ')}; install them, then run npm test again: sudo apt-get update && sudo ${INSTALL} ${HIDDEN.join(' ')}\n`,
    );
    // Only asked whether a password is needed; nothing was installed.
    expect(box.log()).toEqual(['sudo -n true']);
  });

  it('with sudo -n allowed: apt-get update, then install through sudo, then checks again', async () => {
    const box = withApt('exit 0');
    const r = await check(box, true);
    const packages = HIDDEN.join(' ');
    expect(lines(r.stderr)[0]).toBe(`test prerequisites: missing ${packages}; installing them with apt-get`);
    expect(box.log()).toEqual([
      'sudo -n true',
      'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get -qq update',
      'apt-get DEBIAN_FRONTEND=noninteractive -qq update',
      `sudo -n env DEBIAN_FRONTEND=noninteractive apt-get -qq ${INSTALL_ARGS} ${packages}`,
      `apt-get DEBIAN_FRONTEND=noninteractive -qq ${INSTALL_ARGS} ${packages}`,
    ]);
    // The stand-in apt-get installed nothing: the second check says so.
    expect(lines(r.stderr).at(-1)).toMatch(
      /^test prerequisites: still missing after apt-get install: socat /,
    );
    expect(r.code).toBe(1);
  });

  it('as the user the tests run as: apt-get directly when root, through sudo -n otherwise', async () => {
    const box = withApt('exit 0');
    const r = await check(box, false);
    const viaSudo = process.getuid?.() !== 0;
    expect(box.log().filter((l) => l.startsWith('sudo')).length > 0).toBe(viaSudo);
    expect(box.log().filter((l) => l.startsWith('apt-get'))).toEqual([
      'apt-get DEBIAN_FRONTEND=noninteractive -qq update',
      `apt-get DEBIAN_FRONTEND=noninteractive -qq ${INSTALL_ARGS} ${HIDDEN.join(' ')}`,
    ]);
    expect(r.code).toBe(1);
  });

  it('when apt-get fails: one more line with the command to run by hand, exit 1', async () => {
    const box = withApt('echo "E: Could not resolve deb.debian.org" >&2; exit 100');
    const r = await check(box, true);
    expect(lines(r.stderr)).toEqual([
      `test prerequisites: missing ${HIDDEN.join(' ')}; installing them with apt-get`,
      'E: Could not resolve deb.debian.org',
      `test prerequisites: apt-get failed (see above); install them as root, then run npm test again: apt-get update && ${INSTALL} ${HIDDEN.join(' ')}`,
    ]);
    expect(r.code).toBe(1);
  });

  it('without apt-get: one line naming the programs and the Debian packages, exit 1', async () => {
    const box = sandbox();
    const r = await check(box, true);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `test prerequisites: missing ${PROGRAMS.join(' ')}; install them with this system's package manager (Debian packages: ${HIDDEN.join(' ')}), then run npm test again\n`,
    );
    expect(box.log()).toEqual([]);
  });
});
