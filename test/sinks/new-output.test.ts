/**
 * The promise of the sink registry: a new output is one module and one registry entry, and then
 * it is in `--help`, `check-config`, the installer's questions and `/metrics` with no other edit.
 * Proven on a copy of the sources with the null fixture added, built with tsc like a release.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP, NODE, parseEnv, run, VALID_ID } from '../service-manager/helpers.js';
import { ROOT, runCliOnce, startCli, tempDir } from '../support/cli.js';
import { freePort } from '../support/net.js';
import { until } from '../support/wait.js';

const exec = promisify(execFile);
const copy = tempDir('hems-new-output-');
const main = join(copy, 'dist', 'cli', 'main.js');

/** Adds the fixture the way a contributor would: its file, its import and its entry. */
function addNullOutput(): void {
  cpSync(join(ROOT, 'test', 'fixtures', 'null-output.ts'), join(copy, 'src', 'sinks', 'outputs', 'null.ts'));
  const registry = join(copy, 'src', 'sinks', 'registry.ts');
  const text = readFileSync(registry, 'utf8');
  const edited = text
    .replace(/^(import .*\n)(?!import)/m, "$1import { nullOutput } from './outputs/null.js';\n")
    .replace(/^\} satisfies/m, '  null: nullOutput,\n} satisfies');
  expect(edited.split('\n').length - text.split('\n').length).toBe(2);
  writeFileSync(registry, edited);
}

beforeAll(async () => {
  for (const f of [
    'src',
    'scripts',
    'service-manager.sh',
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'tsconfig.build.json',
  ]) {
    cpSync(join(ROOT, f), join(copy, f), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  addNullOutput();
  mkdirSync(join(copy, 'dist'));
  await exec(NODE, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: copy,
  });
}, 240_000);

const CREDS = { B_ROUTE_ID: VALID_ID, B_ROUTE_PASSWORD: 'PASSWORD1234' };

describe('a new output added by one file and one registry entry', () => {
  it('is offered by --help with its own option', async () => {
    const r = await runCliOnce(['--help'], { main });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/one or more outputs: stdout file webhook gcloud\s+mqtt null/);
    expect(r.stdout).toContain('--null-label <text>');
  });

  it('is checked by check-config, its requirement included', async () => {
    const missing = await runCliOnce(['check-config', '-o', 'null'], { main, env: CREDS });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('error: --output null needs a label: give --null-label or set NULL_LABEL\n');
    const ok = await runCliOnce(['check-config', '-o', 'null', '--null-label', 'x'], { main, env: CREDS });
    expect([ok.code, ok.stdout]).toEqual([0, 'configuration OK\n']);
  });

  it("is among the installer's outputs, with its question asked and its answer written to .env", async () => {
    const manager = (root: string, env: Record<string, string>) =>
      run(
        'bash',
        [join(copy, 'service-manager.sh'), 'install', '--root', root, '--non-interactive', '--skip-build'],
        {
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            LANG: 'C.UTF-8',
            NODE_BIN: NODE,
            ...CREDS,
            ...env,
          },
        },
      );
    const refused = await manager(tempDir('hems-new-output-root-'), { HEMS_OUTPUT: 'null' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('error: NULL_LABEL: must not be empty');
    const root = tempDir('hems-new-output-root-');
    const done = await manager(root, { HEMS_OUTPUT: 'null', NULL_LABEL: 'kitchen' });
    expect(done.code, done.stderr).toBe(0);
    const env = parseEnv(readFileSync(join(root, APP, '.env'), 'utf8'));
    expect([env.HEMS_OUTPUT, env.NULL_LABEL]).toEqual(['null', 'kitchen']);
  });

  it('delivers and shows in /metrics', async () => {
    const port = await freePort();
    const state = tempDir('hems-new-output-state-');
    const cli = startCli(
      ['--port', 'sim', '-o', 'null', '--null-label', 'x', '--mode', 'interval', '-i', '1'],
      { main, env: { HEMS_HTTP: `127.0.0.1:${port}`, HEMS_STATE_DIR: state, HEMS_BACKFILL_DAYS: '0' } },
    );
    let metrics = '';
    await until(async () => {
      if (cli.child.exitCode !== null) throw new Error(`the collector exited: ${cli.stderr()}`);
      metrics = await fetch(`http://127.0.0.1:${port}/metrics`)
        .then((r) => r.text())
        .catch(() => '');
      return /hems_deliveries_total\{output="null"\} [1-9]/.test(metrics);
    }, 'a null delivery in /metrics');
    await cli.stop();
    expect(metrics).toContain('hems_outbox_depth{output="null"}');
  });
});
