import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AS_UNPRIVILEGED, readableCopy } from '../support/other-user.js';
import { install, REPO, run, runManager, useRoots } from './helpers.js';

const root = useRoots();

describe('the scripts themselves', () => {
  it('pass shellcheck', async () => {
    const scripts = readdirSync(join(REPO, 'scripts'))
      .filter((f) => f.endsWith('.sh'))
      .map((f) => join('scripts', f));
    expect(scripts.length).toBeGreaterThanOrEqual(8);
    const r = await run('shellcheck', ['-x', 'service-manager.sh', ...scripts]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('print help, and reject unknown commands and options with exit 2', async () => {
    const help = await runManager(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--non-interactive');
    expect((await runManager(['frobnicate'])).code).toBe(2);
    const bad = await runManager(['install', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown option: --bogus');
  });

  it('need root for a real install', async () => {
    // As an unprivileged user (nobody when the tests run as root), from a copy that user can read
    // wherever the checkout lives.
    const dir = readableCopy(REPO, ['service-manager.sh', 'scripts']);
    const [cmd, ...args] = [...AS_UNPRIVILEGED, 'bash', join(dir, 'service-manager.sh'), 'install', '-y'];
    const r = await run(cmd ?? 'bash', args, { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('must be run as root');
  });

  it('Makefile targets call the script', async () => {
    const r = await run('make', ['-n', 'install', 'update', 'uninstall', 'status']);
    expect(r.code).toBe(0);
    for (const cmd of ['install', 'update', 'uninstall', 'status']) {
      expect(r.stdout).toContain(`./service-manager.sh ${cmd}`);
    }
  });

  it('full-install-check.sh reports what a --skip-build install lacks', async () => {
    const dir = root();
    expect((await install(dir)).code).toBe(0);
    const r = await run('bash', [join(REPO, 'scripts/full-install-check.sh'), '--no-install', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FAIL: the app is built (dist/cli/main.js)');
    expect(r.stderr).toContain('FAIL: dependency better-sqlite3 is installed');
    expect(r.stdout).toContain('ok: .env has mode 600');
    expect(r.stdout).toContain('ok: dev dependency typescript is pruned');
  });
});
