import { type EmulatedDongle, Emulator, type Faults, type MeterOptions } from '../emulator/index.js';
import { HemsError } from '../errors.js';
import { type Logger, registerSecret } from '../log.js';

export interface SimulateOptions {
  /** `host:port` (`[::1]:port` for IPv6); port 0 picks a free one. */
  listen: string;
  dongle?: EmulatedDongle;
  latencyScale?: number;
  faults?: Partial<Faults>;
  meter?: Partial<MeterOptions>;
  routeBId?: string;
  password?: string;
  timezone?: string;
  logger: Logger;
}

/** `hems-data-collector simulate`: serves the dongle + meter emulator over TCP until closed. */
export async function runSimulate(
  opts: SimulateOptions,
): Promise<{ port: number; emulator: Emulator; close(): Promise<void> }> {
  const { host, port } = parseListen(opts.listen);
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
  let server: { port: number; close(): Promise<void> };
  try {
    server = await emulator.listen(host, port);
  } catch (e) {
    await emulator.close();
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
      opts.logger.info('emulator stopped');
    },
  };
}

export function parseListen(spec: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(spec.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) {
    throw new HemsError('INPUT_INVALID', `--listen wants host:port (e.g. 127.0.0.1:3610), got "${spec}"`);
  }
  return { host: (m[1] ?? m[2])!, port };
}
