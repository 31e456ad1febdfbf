import { closeSync, openSync, writeSync } from 'node:fs';
import type { Dongle } from '../dongles.js';
import { Emulator, type Faults, type MeterOptions } from '../emulator/index.js';
import { HemsError } from '../errors.js';
import { type Logger, registerSecret } from '../log.js';

export interface SimulateOptions {
  /** `host:port` (`[::1]:port` for IPv6); port 0 picks a free one. */
  listen: string;
  dongle?: Dongle;
  latencyScale?: number;
  faults?: Partial<Faults>;
  meter?: Partial<MeterOptions>;
  routeBId?: string;
  password?: string;
  timezone?: string;
  /** Appends one JSON line per Get_Res / Get_SNA the meter sends to this file. */
  record?: string;
  logger: Logger;
}

/** `hems-data-collector simulate`: serves the dongle + meter emulator over TCP until closed. */
export async function runSimulate(
  opts: SimulateOptions,
): Promise<{ port: number; emulator: Emulator; close(): Promise<void> }> {
  const { host, port } = parseListen(opts.listen);
  const recordFd = opts.record === undefined ? null : openRecord(opts.record);
  registerSecret(opts.routeBId);
  registerSecret(opts.password);
  const emulator = new Emulator({
    ...(opts.dongle === undefined ? {} : { dongle: opts.dongle }),
    ...(opts.latencyScale === undefined ? {} : { latencyScale: opts.latencyScale }),
    ...(opts.faults === undefined ? {} : { faults: opts.faults }),
    ...(opts.meter === undefined ? {} : { meter: opts.meter }),
    ...(opts.routeBId === undefined ? {} : { routeBId: opts.routeBId }),
    ...(opts.password === undefined ? {} : { password: opts.password }),
    ...(opts.timezone === undefined ? {} : { timezone: opts.timezone }),
  });
  if (recordFd !== null) emulator.onReply((r) => writeSync(recordFd, `${JSON.stringify(r)}\n`));
  let server: { port: number; close(): Promise<void> };
  try {
    server = await emulator.listen(host, port);
  } catch (e) {
    await emulator.close();
    if (recordFd !== null) closeSync(recordFd);
    throw new HemsError('TRANSPORT_OPEN_FAILED', `cannot listen on ${opts.listen}: ${(e as Error).message}`);
  }
  const shown = host.includes(':') ? `[${host}]` : host;
  opts.logger.info(`emulated ${emulator.options.dongle} listening on tcp://${shown}:${server.port}`, {
    latencyScale: emulator.options.latencyScale,
    meter: emulator.addresses.meter,
  });
  return {
    port: server.port,
    emulator,
    close: async () => {
      await server.close();
      await emulator.close();
      if (recordFd !== null) closeSync(recordFd);
      opts.logger.info('emulator stopped');
    },
  };
}

function openRecord(path: string): number {
  try {
    return openSync(path, 'a');
  } catch (e) {
    throw new HemsError('CONFIG_INVALID', '--record is invalid', {
      problems: [`--record: cannot open ${path}: ${(e as Error).message}`],
    });
  }
}

export function parseListen(spec: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(spec.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) {
    throw new HemsError('INPUT_INVALID', `--listen wants host:port (e.g. 127.0.0.1:3610), got "${spec}"`);
  }
  return { host: (m[1] ?? m[2])!, port };
}
