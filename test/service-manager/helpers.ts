import { spawn } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach } from 'vitest';

export const REPO = resolve(import.meta.dirname, '../..');
export const SCRIPT = join(REPO, 'service-manager.sh');
export const VALID_ID = '0123456789ABCDEF0123456789abcdef';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the test worker (spawnSync would stall vitest's RPC). */
export function run(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd ?? REPO, env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs service-manager.sh with a clean environment plus `env`. */
export function runManager(args: string[], env: Record<string, string> = {}, input = ''): Promise<RunResult> {
  return run('bash', [SCRIPT, ...args], {
    input,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...env },
  });
}

export function tempRoot(prefix = 'hems-sm-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeRoot(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Puts a file at the same path inside the staging root (hard link when possible). */
export function mirrorFile(root: string, path: string): void {
  const dest = join(root, path);
  const source = realpathSync(path);
  mkdirSync(dirname(dest), { recursive: true });
  try {
    linkSync(source, dest);
  } catch {
    copyFileSync(source, dest);
  }
}

/**
 * Makes a staging root complete enough for `systemd-analyze verify --root`: the host's unit
 * directory (for sysinit.target, network-online.target...), the Node.js binary at the path the
 * unit's ExecStart names, and (given installDir, for builds that skipped it) a stand-in entry point.
 */
export function prepareForVerify(root: string, nodePath: string, installDir?: string): void {
  for (const unitDir of ['/usr/lib/systemd/system', '/lib/systemd/system']) {
    try {
      cpSync(unitDir, join(root, unitDir), { recursive: true, dereference: false });
      break;
    } catch {
      // try the next location
    }
  }
  mirrorFile(root, nodePath);
  if (installDir === undefined) return;
  const main = join(root, installDir, 'dist/cli/main.js');
  mkdirSync(dirname(main), { recursive: true });
  copyFileSync(join(REPO, 'package.json'), main);
}

export function verifyUnit(root: string): Promise<RunResult> {
  const unit = join(root, 'etc/systemd/system/hems-data-collector.service');
  return run('systemd-analyze', ['verify', `--root=${root}`, unit]);
}

/**
 * A small reference reader for the .env format the script promises: KEY="value" where a
 * backslash escapes \ " $ and ` (any other backslash is literal), KEY='literal', comments.
 */
export function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`unparsable .env line: ${line}`);
    const [, key, rest] = m as unknown as [string, string, string];
    if (rest.startsWith('"')) {
      let value = '';
      let i = 1;
      for (; i < rest.length; i++) {
        const c = rest[i]!;
        if (c === '\\') {
          const next = rest[i + 1] ?? '';
          value += '"\\$`'.includes(next) && next !== '' ? next : `\\${next}`;
          i++;
        } else if (c === '"') {
          break;
        } else {
          value += c;
        }
      }
      if (i !== rest.length - 1) throw new Error(`unterminated or trailing text in: ${line}`);
      out[key] = value;
    } else if (rest.startsWith("'")) {
      out[key] = rest.slice(1, rest.lastIndexOf("'"));
    } else {
      out[key] = rest;
    }
  }
  return out;
}

export const NODE = process.execPath;
export const APP = '/opt/hems-data-collector';
export const UNIT = 'etc/systemd/system/hems-data-collector.service';

/** Returns a maker of staging roots that are removed after each test. */
export function useRoots(): () => string {
  const roots: string[] = [];
  afterEach(() => {
    for (const dir of roots.splice(0)) removeRoot(dir);
  });
  return () => {
    const dir = tempRoot();
    roots.push(dir);
    return dir;
  };
}

/** A non-interactive staged install without the npm build; `env` adds or overrides answers. */
export function install(
  dir: string,
  env: Record<string, string> = {},
  extra: string[] = [],
): Promise<RunResult> {
  return runManager(['install', '--root', dir, '--non-interactive', '--skip-build', ...extra], {
    NODE_BIN: NODE,
    B_ROUTE_ID: VALID_ID,
    B_ROUTE_PASSWORD: 'PASSWORD1234',
    ...env,
  });
}

export const mode = (path: string): number => statSync(path).mode & 0o777;
export const unitLines = (dir: string): string[] => readFileSync(join(dir, UNIT), 'utf8').split('\n');
export const setting = (dir: string, key: string): string[] =>
  unitLines(dir)
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));

/** systemd's reading of a word list (ExecStart=, ReadWritePaths=): quotes, backslashes, %%. */
export function unitWords(value: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of value.matchAll(re)) {
    const w = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? '');
    words.push(w.replaceAll('%%', '%'));
  }
  return words;
}
