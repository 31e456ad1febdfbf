/**
 * Wiring of the commands and of the pieces other rooms provide (session, transport,
 * emulator, store, delivery, outputs, subcommands), kept in this one file so names are
 * fixed in one place.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { macToLinkLocal } from '../broute/ipv6.js';
import { scaleTimeouts } from '../broute/options.js';
import { createMeterSession } from '../broute/session.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { DONGLES, type Dongle } from '../dongles.js';
import type { Emulator } from '../emulator/index.js';
import { describeError, HemsError, isHemsError } from '../errors.js';
import type { Logger } from '../log.js';
import { createRecorder } from '../service/recorder.js';
import type { ReadingSource } from '../service/types.js';
import { createDelivery as createOutboxDelivery } from '../sinks/delivery.js';
import type { Delivery } from '../sinks/delivery-api.js';
import type { Sink } from '../sinks/types.js';
import type { PanDesc } from '../skstack/api.js';
import { type LiveStore, openLiveStore } from '../store/live.js';
import type { Store } from '../store/store.js';
import type { ByteStream } from '../transport/index.js';
import { openTransport } from '../transport/index.js';
import type { CliIo } from './io.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './io.js';
import type { CommandHandlers, OptionBag } from './program.js';
import { checkConfigCommand, loggerFor, type RunWiring, runCommand } from './run.js';

function emulatedDongle(model: string): Dongle | undefined {
  return (DONGLES as readonly string[]).includes(model) ? (model as Dongle) : undefined;
}

/** `--port sim`: one emulator per process (its meter keeps counting across reopens), loaded
 *  only then. */
function openStreamFor(config: Config): () => Promise<ByteStream> {
  let emu: Emulator | null = null;
  const simulator = async (): Promise<ByteStream> => {
    const dongle = emulatedDongle(config.dongle);
    if (!emu) {
      const { Emulator } = await import('../emulator/index.js');
      emu = new Emulator({ latencyScale: 0.02, timezone: config.timezone, ...(dongle ? { dongle } : {}) });
    }
    return emu.attach();
  };
  return () => openTransport(config.port, { baudRate: config.baudrate, simulator });
}

/**
 * `HEMS_TIMING_SCALE` (0 < s ≤ 1): every session and dongle bound multiplied by s, for runs
 * against `simulate --latency-scale s` in compressed time (soak tests). Not for real dongles.
 */
export function timingScale(env: Record<string, string | undefined>): number | null {
  const raw = env.HEMS_TIMING_SCALE;
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 1) {
    throw new HemsError('CONFIG_INVALID', 'HEMS_TIMING_SCALE is invalid', {
      problems: [`HEMS_TIMING_SCALE: must be a number above 0 and at most 1 (got "${raw}")`],
    });
  }
  return n;
}

export function createSource(config: Config, logger: Logger): ReadingSource {
  const scale = timingScale(process.env);
  const scaled = scale === null ? null : scaleTimeouts(scale);
  const session = createMeterSession({
    openStream: openStreamFor(config),
    model: config.dongle,
    routeBId: config.bRouteId,
    password: config.bRoutePassword,
    ...(config.meter ? { meter: config.meter } : {}),
    stateDir: config.stateDir,
    timezone: config.timezone,
    logger,
    ...(scaled ? { timeouts: scaled.session, skTimeouts: scaled.sk } : {}),
  });
  return createRecorder({ source: session, stateDir: config.stateDir, timezone: config.timezone, logger });
}

/**
 * Test-only (never documented for users): caps the database at N pages (SQLite's
 * max_page_count), so end-to-end tests get a real SQLITE_FULL without filling a disk.
 */
function testMaxPages(env: NodeJS.ProcessEnv): { maxPages: number } | object {
  const n = Number(env.HEMS_TEST_STORE_MAX_PAGES);
  return Number.isInteger(n) && n > 0 ? { maxPages: n } : {};
}

/** The local database in --state-dir: history and one outbox per output. Never fatal: while it
 *  cannot be opened or written, readings are held in memory (see sinks/pending.ts). */
export function openStateStore(config: Config, logger: Logger): LiveStore {
  return openLiveStore({
    dir: config.stateDir,
    retentionDays: config.retentionDays,
    outboxMax: config.outboxMax,
    logger: logger.child('store'),
    ...testMaxPages(process.env),
  });
}

/** The store-backed outbox delivery (the run loop opens the store first and closes it last). */
export function createDelivery(args: {
  config: Config;
  sinks: Sink[];
  logger: Logger;
  store: Store | null;
}): Delivery {
  if (!args.store) throw new Error('the outbox delivery needs the store (runWiring.openStore)');
  return createOutboxDelivery({
    store: args.store,
    sinks: args.sinks,
    logger: args.logger.child('delivery'),
  });
}

/** `--http HOST:PORT`: metrics, health and the dashboard (loaded only when asked for). */
const startHttp: NonNullable<RunWiring['startHttp']> = async ({
  config,
  source,
  delivery,
  store,
  intervalMs,
  logger,
  backfill,
}) => {
  const { startHttpServer } = await import('../http/server.js');
  const http = config.http!;
  const host = http.host.includes(':') ? `[${http.host}]` : http.host;
  return startHttpServer(
    `${host}:${http.port}`,
    {
      source,
      delivery,
      ...(store ? { store } : {}),
      intervalMs,
      timezone: config.timezone,
      tariff: config.tariff,
      ...(backfill ? { backfill } : {}),
      logger,
    },
    { allowHosts: config.httpAllowHost },
  );
};

export const runWiring: RunWiring = {
  createSource,
  openStore: openStateStore,
  createDelivery,
  startHttp,
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

async function decodeCommand(input: string, _opts: OptionBag, io: CliIo): Promise<number> {
  const many = input === '-' ? await readStdin() : isFile(input) ? readFileSync(input, 'utf8') : null;
  const lines = many === null ? [input] : many.split(/\r?\n/).filter((l) => l.trim() !== '');
  const { decodeInput, formatDecode } = await import('./decode.js');
  let code = EXIT_OK;
  for (const line of lines) {
    try {
      io.out(`${formatDecode(decodeInput(line))}\n`);
    } catch (e) {
      // Whatever decodeInput rejects is bad input (exit 2), not a failure of the program.
      if (!isHemsError(e)) throw e;
      io.err(`error: ${describeError(e)}\n`);
      code = EXIT_USAGE;
    }
  }
  return code;
}

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

/** One line per meter found, with the options that skip the scan next time. */
export function formatPan(p: PanDesc): string {
  const ipv6 = macToLinkLocal(p.addr);
  const flags = `--meter-channel ${hex(p.channel, 2)} --meter-panid ${hex(p.panId, 4)}`;
  return `Channel:${hex(p.channel, 2)} Pan ID:${hex(p.panId, 4)} Addr:${p.addr} LQI:${hex(p.lqi, 2)}  ${flags}${ipv6 ? ` --meter-ipv6 ${ipv6}` : ''}`;
}

/** Runs until SIGTERM/SIGINT. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGTERM', done);
      process.off('SIGINT', done);
      resolve();
    };
    process.on('SIGTERM', done);
    process.on('SIGINT', done);
  });
}

async function scanCommand(opts: OptionBag, io: CliIo): Promise<number> {
  const config = loadConfig(opts, { requireCredentials: false });
  if (config.bRouteId === '') {
    throw new HemsError('CONFIG_INVALID', 'B_ROUTE_ID missing', {
      problems: ['B_ROUTE_ID: missing; a scan needs your 32-character B-route ID'],
    });
  }
  const logger = loggerFor(config);
  const { runScan } = await import('./scan.js');
  const found = await runScan({
    openStream: openStreamFor(config),
    model: config.dongle,
    routeBId: config.bRouteId,
    ...(config.bRoutePassword ? { password: config.bRoutePassword } : {}),
    stateDir: config.stateDir,
    timezone: config.timezone,
    logger,
  });
  for (const p of found) io.out(`${formatPan(p)}\n`);
  return EXIT_OK;
}

async function simulateCommand(opts: OptionBag, _io: CliIo): Promise<number> {
  const config = loadConfig(opts, { requireCredentials: false });
  const dongle = emulatedDongle(config.dongle);
  const [{ runSimulate }, { simulateTuning }] = await Promise.all([
    import('./simulate.js'),
    import('./simulate-flags.js'),
  ]);
  const server = await runSimulate({
    listen: String(opts.listen),
    ...(dongle ? { dongle } : {}),
    ...simulateTuning(opts, dongle ?? 'BP35A1'),
    timezone: config.timezone,
    ...(config.bRouteId && config.bRoutePassword
      ? { routeBId: config.bRouteId, password: config.bRoutePassword }
      : {}),
    logger: loggerFor(config),
  });
  await untilSignal();
  await server.close();
  return EXIT_OK;
}

export const handlers: CommandHandlers = {
  run: (opts, io) => runCommand(opts, io, { wiring: runWiring }),
  checkConfig: (opts, io) => checkConfigCommand(opts, io),
  configFields: async (opts, io) => {
    const { checkValue, configFields, formatShell } = await import('./config-fields.js');
    if (typeof opts.check === 'string') {
      const value = (await readStdin()).replace(/\r?\n$/, '');
      const problem = checkValue(opts.check, value);
      if (problem === null) return EXIT_OK;
      io.out(`${problem}\n`);
      return EXIT_USAGE;
    }
    const format = opts.format ?? 'json';
    if (format !== 'json' && format !== 'shell') {
      throw new HemsError('INPUT_INVALID', `--format must be json or shell (got ${JSON.stringify(format)})`);
    }
    const fields = configFields();
    io.out(format === 'shell' ? formatShell(fields) : `${JSON.stringify(fields, null, 2)}\n`);
    return EXIT_OK;
  },
  decode: decodeCommand,
  scan: scanCommand,
  simulate: simulateCommand,
  export: async (opts, io) => {
    const config = loadConfig(opts, { requireCredentials: false });
    const { runExport } = await import('./export.js');
    const r = await runExport({
      stateDir: config.stateDir,
      since: typeof opts.since === 'string' ? opts.since : null,
      until: typeof opts.until === 'string' ? opts.until : null,
      format: typeof opts.format === 'string' ? config.format : 'json',
      out: (text) => io.out(text),
      warn: (text) => io.err(`warning: ${text}\n`),
      closed: () => io.closed?.() ?? false,
    });
    if (io.closed?.()) return EXIT_OK; // the reader had enough (`export | head`)
    if (r.skipped > 0) {
      io.err(
        `error: ${r.skipped} stored reading(s) could not be decoded and were skipped; ${r.written} exported\n`,
      );
      return EXIT_FAILURE;
    }
    return EXIT_OK;
  },
  report: async (opts, io) => {
    // --month, --period and -f are the report's own; the rest is the usual configuration.
    const { month, period, format, ...rest } = opts;
    const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    const config = loadConfig(rest, { requireCredentials: false });
    const { runReport } = await import('./report.js');
    runReport({
      stateDir: config.stateDir,
      timezone: config.timezone,
      tariff: config.tariff,
      month: str(month),
      period: str(period),
      format: str(format),
      out: (text) => io.out(text),
    });
    return EXIT_OK;
  },
};
