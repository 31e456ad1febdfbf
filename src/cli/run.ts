import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createLogger, type Logger } from '../log.js';
import { type CollectorDeps, runCollector } from '../service/collector.js';
import { createNotifier } from '../service/sd-notify.js';
import type { CliIo } from './io.js';
import { EXIT_OK } from './io.js';
import { reportError } from './program.js';

export function loggerFor(config: Pick<Config, 'debug' | 'logFormat'>): Logger {
  return createLogger({ level: config.debug ? 'debug' : 'info', format: config.logFormat });
}

/** The pieces of the run the CLI wires from other rooms (see commands.ts). */
export type RunWiring = Pick<CollectorDeps, 'createSource' | 'openStore' | 'createDelivery' | 'startHttp'>;

export interface RunOptions {
  /** The wiring, or a loader for it (taken only once the configuration is valid). */
  wiring: RunWiring | (() => Promise<RunWiring>);
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Process signals by default; tests pass an emitter. */
  signals?: Pick<NodeJS.Process, 'on' | 'off'>;
  /** Called on a second signal (default: process.exit). */
  forceExit?: (code: number) => void;
  /** After the first signal, how long the reading in progress may take before it is aborted (default 20 s). */
  stopGraceMs?: number;
}

/**
 * `check-config`: the configuration exactly as the collector would load it (options >
 * environment > .env > defaults). Prints "configuration OK" (exit 0) or one line per problem
 * (exit 2); nothing is started and no value is echoed. The installer runs it on its answers.
 */
export async function checkConfigCommand(
  opts: Record<string, unknown>,
  io: CliIo,
  ro: Pick<RunOptions, 'env' | 'cwd'> = {},
): Promise<number> {
  try {
    loadConfig(opts, { env: ro.env, cwd: ro.cwd });
  } catch (e) {
    return reportError(e, io);
  }
  io.out('configuration OK\n');
  return EXIT_OK;
}

/**
 * The default command: validate everything (exit 2 on any problem, nothing started), then
 * run the collector until SIGTERM/SIGINT. The first signal stops scheduling and lets the
 * reading in progress finish, flushes and closes (exit 0); a second one exits at once.
 */
export async function runCommand(opts: Record<string, unknown>, io: CliIo, ro: RunOptions): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(opts, { env: ro.env, cwd: ro.cwd });
  } catch (e) {
    return reportError(e, io);
  }
  const logger = loggerFor(config);
  let wiring: RunWiring;
  try {
    wiring = typeof ro.wiring === 'function' ? await ro.wiring() : ro.wiring;
  } catch (e) {
    return reportError(e, io);
  }
  const stop = new AbortController();
  const hard = new AbortController();
  const signals = ro.signals ?? process;
  const forceExit = ro.forceExit ?? ((code: number) => process.exit(code));
  const onSignal = (sig: NodeJS.Signals): void => {
    if (!stop.signal.aborted) {
      logger.info(`${sig} received; stopping (send again to exit at once)`);
      stop.abort();
      // A reading stuck reconnecting to a vanished dongle must not hold the stop forever.
      const grace = ro.stopGraceMs ?? 20_000;
      setTimeout(() => {
        if (!hard.signal.aborted) logger.warn(`reading still running after ${grace} ms; aborting it`);
        hard.abort();
      }, grace).unref();
      return;
    }
    hard.abort();
    logger.warn(`${sig} received again; exiting now`);
    forceExit(sig === 'SIGINT' ? 130 : 143);
  };
  // A terminal hang-up or `systemctl kill -s HUP` must not end the collector without a flush.
  // Logs go to stderr (the journal), so there is no log file to reopen and nothing is re-read.
  const onHangup = (): void => {
    logger.info('SIGHUP received: nothing to reload (settings are read at start); log output continues');
  };
  signals.on('SIGTERM', onSignal);
  signals.on('SIGINT', onSignal);
  signals.on('SIGHUP', onHangup);
  try {
    if (config.demoCredentials)
      logger.info('using demo B-route credentials with the built-in emulator (--port sim)');
    await runCollector(config, {
      ...wiring,
      logger,
      signal: stop.signal,
      hardSignal: hard.signal,
      notifier: createNotifier({ env: ro.env ?? process.env, logger }),
    });
    return EXIT_OK;
  } catch (e) {
    return reportError(e, io);
  } finally {
    signals.off('SIGTERM', onSignal);
    signals.off('SIGINT', onSignal);
    signals.off('SIGHUP', onHangup);
  }
}
