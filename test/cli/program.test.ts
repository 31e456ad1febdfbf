import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { type CommandHandlers, runCli } from '../../src/cli/program.js';
import { HemsError } from '../../src/errors.js';

function harness(over: Partial<CommandHandlers> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const calls: [string, ...unknown[]][] = [];
  const io: CliIo = { out: (t) => void out.push(t), err: (t) => void err.push(t) };
  const record =
    (name: string) =>
    async (...args: unknown[]): Promise<number> => {
      calls.push([name, ...args.slice(0, -1)]); // the last argument is the io
      return 0;
    };
  const h: CommandHandlers = {
    run: record('run'),
    decode: record('decode'),
    scan: record('scan'),
    simulate: record('simulate'),
    export: record('export'),
    report: record('report'),
    checkConfig: record('checkConfig'),
    configFields: record('configFields'),
    ...over,
  };
  return { io, h, out, err, calls, cli: (...argv: string[]) => runCli(argv, h, io) };
}

describe('command line', () => {
  it('passes the original options, short forms included, to the run command', async () => {
    const t = harness();
    const code = await t.cli(
      '-o',
      'stdout',
      'file',
      '-f',
      'csv',
      '--file',
      'x.dat',
      '--port',
      '/dev/ttyUSB1',
      '--baudrate',
      '9600',
      '--webhook-url',
      'http://h',
      '--gcp-project',
      'p',
      '--gcp-topic',
      't',
      '--meter-channel',
      '21',
      '--meter-panid',
      '1234',
      '--meter-ipv6',
      'fe80::1',
      '--mode',
      'interval',
      '-s',
      '0 * * * *',
      '-i',
      '60',
      '--debug',
      '--dongle',
      'BP35C0',
      '--state-dir',
      'st',
      '--log-format',
      'json',
      '--env-file',
      'e.env',
      '--http',
      ':9100',
      '--retention-days',
      '5',
      '--outbox-max',
      '6',
      '--backfill-days',
      '2',
    );
    expect(code).toBe(0);
    expect(t.calls).toEqual([
      [
        'run',
        {
          output: ['stdout', 'file'],
          format: 'csv',
          file: 'x.dat',
          port: '/dev/ttyUSB1',
          baudrate: '9600',
          webhookUrl: 'http://h',
          gcpProject: 'p',
          gcpTopic: 't',
          meterChannel: '21',
          meterPanid: '1234',
          meterIpv6: 'fe80::1',
          mode: 'interval',
          schedule: '0 * * * *',
          interval: '60',
          debug: true,
          dongle: 'BP35C0',
          stateDir: 'st',
          logFormat: 'json',
          envFile: 'e.env',
          http: ':9100',
          retentionDays: '5',
          outboxMax: '6',
          backfillDays: '2',
        },
      ],
    ]);
  });

  it('check-config takes the collector options, so it loads exactly what the collector would', async () => {
    const t = harness();
    const argv = [
      '-o',
      'mqtt',
      '--dotenv',
      'a.env',
      '--http',
      ':9100',
      '--http-allow-host',
      'pi.lan',
      '-i',
      '5',
    ];
    expect(await t.cli('check-config', ...argv)).toBe(0);
    expect(await t.cli(...argv)).toBe(0);
    const expected = {
      output: ['mqtt'],
      dotenv: 'a.env',
      http: ':9100',
      httpAllowHost: 'pi.lan',
      interval: '5',
    };
    expect(t.calls).toEqual([
      ['checkConfig', expected],
      ['run', expected],
    ]);
  });

  it('gives no defaults itself, so the schema can apply option > env > .env > default', async () => {
    const t = harness();
    await t.cli();
    expect(t.calls).toEqual([['run', {}]]);
  });

  it('prints help and the version on stdout with exit 0', async () => {
    const t = harness();
    expect(await t.cli('--help')).toBe(0);
    expect(t.out.join('')).toContain('Usage: hems-data-collector');
    expect(t.out.join('')).toContain('-s, --schedule <cron>');
    const v = harness();
    expect(await v.cli('-v')).toBe(0);
    expect(v.out.join('')).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(v.calls).toEqual([]);
  });

  it('turns unknown options, bad arguments and unknown commands into one line and exit 2', async () => {
    for (const argv of [['--bogus'], ['-x'], ['decode'], ['stray'], ['simulate'], ['-f']]) {
      const t = harness();
      expect(await t.cli(...argv)).toBe(2);
      expect(t.err).toHaveLength(1);
      expect(t.err[0]).toMatch(/^error: [^\n]+ \(see --help\)\n$/);
      expect(t.calls).toEqual([]);
    }
  });

  it('routes the subcommands', async () => {
    const t = harness();
    await t.cli('decode', '1081000102880105FF017201E7');
    await t.cli('scan', '--port', 'sim');
    await t.cli('simulate', '--listen', '127.0.0.1:3610');
    await t.cli('export', '--since', '2024-01-01', '--format', 'csv');
    await t.cli('report', '--month', '2026-05', '-f', 'json', '--tariff', 't.yaml');
    await t.cli('report', '--period', 'previous');
    expect(t.calls).toEqual([
      ['decode', '1081000102880105FF017201E7', {}],
      ['scan', { port: 'sim' }],
      ['simulate', { listen: '127.0.0.1:3610' }],
      ['export', { since: '2024-01-01', format: 'csv' }],
      ['report', { month: '2026-05', format: 'json', tariff: 't.yaml' }],
      ['report', { period: 'previous' }],
    ]);
  });

  it('reports a thrown error as one line: exit 2 for configuration, 1 otherwise', async () => {
    const bad = harness({
      run: async () => {
        throw new HemsError('CONFIG_INVALID', 'x', { problems: ['--interval: bad', 'B_ROUTE_ID: missing'] });
      },
    });
    expect(await bad.cli()).toBe(2);
    expect(bad.err).toEqual(['error: --interval: bad\n', 'error: B_ROUTE_ID: missing\n']);
    const boom = harness({
      scan: async () => {
        throw new HemsError('TRANSPORT_OPEN_FAILED', 'cannot open /dev/ttyUSB9: no such device');
      },
    });
    expect(await boom.cli('scan')).toBe(1);
    expect(boom.err).toEqual(['error: cannot open /dev/ttyUSB9: no such device [TRANSPORT_OPEN_FAILED]\n']);
  });
});
