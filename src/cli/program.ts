import { Command, CommanderError } from 'commander';
import type { Field, FieldScope } from '../config/field.js';
import { configProblems } from '../config/load.js';
import { FIELDS } from '../config/schema.js';
import { DONGLES } from '../dongles.js';
import { describeError, isHemsError } from '../errors.js';
import type { CliIo } from './io.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './io.js';
import { packageVersion } from './version.js';

export type OptionBag = Record<string, unknown>;

/** What each command does; main.ts passes the real ones, tests may pass fakes. */
export interface CommandHandlers {
  run(opts: OptionBag, io: CliIo): Promise<number>;
  decode(input: string, opts: OptionBag, io: CliIo): Promise<number>;
  scan(opts: OptionBag, io: CliIo): Promise<number>;
  simulate(opts: OptionBag, io: CliIo): Promise<number>;
  export(opts: OptionBag, io: CliIo): Promise<number>;
  report(opts: OptionBag, io: CliIo): Promise<number>;
  checkConfig(opts: OptionBag, io: CliIo): Promise<number>;
  configFields(opts: OptionBag, io: CliIo): Promise<number>;
}

/** Collects a repeatable option's values. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Declares the options of the settings of one scope, from the schema (config/schema.ts FIELDS). */
function addFieldOptions(cmd: Command, scope: FieldScope): Command {
  for (const f of Object.values(FIELDS) as Field<unknown>[]) {
    if (f.help === undefined || f.flag === undefined || (f.scope ?? 'run') !== scope) continue;
    cmd.option(`${f.short ? `${f.short}, ` : ''}${f.flag}${f.arg ? ` ${f.arg}` : ''}`, f.help);
  }
  return cmd;
}

/** Options shared by the collector and the commands that open the dongle or read configuration. */
function addCommon(cmd: Command): Command {
  cmd
    .option('--dotenv <path>', 'read settings from this .env file instead of ./.env')
    // The older name. Node 20 inspects --env-file itself even after the script name and stops
    // with exit 9 when the file is missing (nodejs/node#54232), before any of our code runs.
    .option('--env-file <path>', 'older name of --dotenv (Node.js 20 itself stops when the file is missing)');
  return addFieldOptions(cmd, 'common');
}

function addDongle(cmd: Command): Command {
  return addFieldOptions(cmd, 'dongle');
}

/** The collector's options: the default command and `check-config`, which loads them the same way. */
function addRunOptions(cmd: Command): Command {
  return addCommon(addDongle(addFieldOptions(cmd, 'run')));
}

export function buildProgram(h: CommandHandlers, io: CliIo, setCode: (code: number) => void): Command {
  const program = new Command('hems-data-collector');
  const wire = (cmd: Command): Command =>
    cmd
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s), outputError: () => {} });
  wire(program)
    .description('Collect readings from a Japanese smart electricity meter over the B-route (Wi-SUN)')
    .enablePositionalOptions()
    .version(packageVersion(), '-v, --version', 'show version information and exit')
    .helpOption('-h, --help', 'show this help message and exit');
  addRunOptions(program);
  program.action(async (opts: OptionBag) => setCode(await h.run(opts, io)));

  wire(program.command('decode'))
    .description('decode an ECHONET Lite frame or an ERXUDP line (hex), or a file of them ("-" for stdin)')
    .argument('<input>', 'hex frame, ERXUDP line, file path, or -')
    .action(async (input: string, opts: OptionBag) => setCode(await h.decode(input, opts, io)));

  addCommon(addDongle(wire(program.command('scan'))))
    .description('scan for smart meters and print what the dongle finds')
    .action(async (opts: OptionBag) => setCode(await h.scan(opts, io)));

  addCommon(wire(program.command('simulate')))
    .description('serve the built-in dongle and meter emulator over TCP')
    .requiredOption('--listen <host:port>', 'address to listen on, e.g. 127.0.0.1:3610')
    .option('--dongle <model>', `dongle model to emulate: ${DONGLES.join(', ')} (default BP35A1)`)
    .option('--latency-scale <factor>', 'radio latency: 1 = realistic seconds, 0 = instant (default 1)')
    .option('--fault-join-failures <n>', 'the next N joins fail (EVENT 24)')
    .option('--fault-scan-misses <n>', 'the next N scans find nothing')
    .option('--fault-drop-responses <n>', 'the next N meter requests get no answer')
    .option('--fault-drop-every <n>', 'a lossy radio: every Nth answer of the meter is lost')
    .option('--fault-send-failures <n>', 'the next N sends fail (EVENT 21 param 01)')
    .option('--fault-stray-traffic', 'mix PANA, INF and foreign datagrams and blank lines into the output')
    .option('--fault-garbage', 'mix garbage lines into the output')
    .option('--field', 'every field behaviour below at once, at compressed rates (flags given override it)')
    .option(
      '--fault-reset-every <s>',
      'the module resets with the port open every S seconds (default 0 = never)',
    )
    .option('--fault-reset-send-reply <reply>', 'a send after a reset answers er10 (default) or event21')
    .option(
      '--fault-stale-session <state>',
      'at start the dongle holds a session left over: up, joining, reauth',
    )
    .option(
      '--fault-reauth-every <s>',
      'the dongle re-authenticates every S seconds (default 69120, 0 = never)',
    )
    .option(
      '--fault-tx-limit-every <s>',
      'a transmit-time limit (EVENT 32/33) every S seconds (default 0 = never)',
    )
    .option('--fault-tx-limit-for <s>', 'how long each transmit-time limit lasts (default 40)')
    .option(
      '--fault-wrong-form <reply>',
      "the other edition's SKSCAN/SKSENDTO: ER04, ER05 (default), ER06, silence",
    )
    .option('--einfo-fields <n>', "fields of the EINFO line: 5, 6 or 7 (default: the model's own)")
    .option('--fault-meter-silent-every <s>', 'the meter goes silent every S seconds (default 0 = never)')
    .option('--fault-meter-silent-for <s>', 'how long the meter stays silent (default 90)')
    .option(
      '--fault-swap-meter-after <s>',
      'the meter is replaced by another after S seconds (default 0 = never)',
    )
    .option('--swap-meter-coefficient <n>', 'coefficient D3 of the replacement meter (default 10)')
    .option(
      '--fault-busy <epc:n>',
      'the next N Gets with this EPC get no value, e.g. EA:2 (repeatable)',
      collect,
    )
    .option('--meter-coefficient <n>', 'coefficient D3 of the emulated meter (default 1)')
    .option('--meter-phases <n>', '1 (single-phase 2-wire, default) or 3')
    .option('--meter-solar', 'household with solar: reverse energy and negative power at midday')
    .option('--meter-max-props <n>', 'properties the meter answers per Get (default 7)')
    .option(
      '--meter-clock-skew <s>',
      "the meter's clock minus the host's, seconds, may be negative (default 0)",
    )
    .option(
      '--meter-update-delay <s>',
      'seconds after :00/:30 before the meter shows the new half hour (default 0)',
    )
    .option('--record <file>', 'append one JSON line per answer the meter sends to FILE')
    .action(async (opts: OptionBag) => setCode(await h.simulate(opts, io)));

  addRunOptions(wire(program.command('check-config')))
    .description(
      'check the settings (options, environment, .env) as the collector would, then exit: 0 and "configuration OK", or 2 with one line per problem',
    )
    .action(async (opts: OptionBag) => setCode(await h.checkConfig(opts, io)));

  wire(program.command('config-fields'))
    .description(
      'list the settings and outputs this build knows (for the installer); --check KEY validates a value read from stdin',
    )
    .option('--format <format>', 'json (default) or shell (tab-separated lines)')
    .option(
      '--check <key>',
      'check the value on stdin for this .env key: silent exit 0, or the problem and exit 2',
    )
    .action(async (opts: OptionBag) => setCode(await h.configFields(opts, io)));

  addCommon(wire(program.command('export')))
    .description('print stored readings from the local database')
    .option('--since <iso>', 'first reading time (ISO 8601)')
    .option('--until <iso>', 'end of the range (ISO 8601, exclusive)')
    .option('-f, --format <format>', 'json, yaml or csv (default json)')
    .action(async (opts: OptionBag) => setCode(await h.export(opts, io)));

  addCommon(wire(program.command('report')))
    .description('kWh and cost per day and for a billing period, from the local database')
    .option('--month <YYYY-MM>', 'the billing period named YYYY-MM (the month of its last day)')
    .option('--period <which>', 'current (default) or previous billing period')
    .option('-f, --format <format>', 'text (default), json or csv')
    .option('--tariff <file>', 'tariff file (YAML) to price the kWh (TARIFF_FILE)')
    .action(async (opts: OptionBag) => setCode(await h.report(opts, io)));
  return program;
}

/** Writes an error as one line per problem on stderr and returns the exit code. */
export function reportError(e: unknown, io: CliIo): number {
  if (isHemsError(e, 'CONFIG_INVALID')) {
    for (const p of configProblems(e)) io.err(`error: ${p}\n`);
    return EXIT_USAGE;
  }
  if (isHemsError(e, 'INPUT_INVALID')) {
    io.err(`error: ${describeError(e)}\n`);
    return EXIT_USAGE;
  }
  io.err(`error: ${describeError(e)}\n`);
  return EXIT_FAILURE;
}

/** Parses argv and runs the chosen command; never throws, returns the exit code. */
export async function runCli(argv: string[], h: CommandHandlers, io: CliIo): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(h, io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return EXIT_OK; // --help, --version
      const text = e.message
        .replace(/^error:\s*/i, '')
        .replace(/\s*\n\s*/g, ' ')
        .trim();
      io.err(`error: ${text} (see --help)\n`);
      return EXIT_USAGE;
    }
    return reportError(e, io);
  }
}
