import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseListen, runSimulate } from '../../src/cli/simulate.js';
import { Emulator } from '../../src/emulator/index.js';
import { createLogger } from '../../src/log.js';

function talk(port: number, send: string, until: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(send));
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`timeout, got ${JSON.stringify(got)}`));
    }, 3000);
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes(until)) {
        clearTimeout(timer);
        s.end();
        resolve(got);
      }
    });
    s.on('error', reject);
  });
}

describe('TCP listen and simulate', () => {
  it('serves the dongle on an ephemeral port', async () => {
    const emu = new Emulator({ latencyScale: 0, dongle: 'BP35C2' });
    const server = await emu.listen('127.0.0.1', 0);
    try {
      expect(server.port).toBeGreaterThan(0);
      expect(await talk(server.port, 'SKVER\r\n', 'OK\r\n')).toBe('SKVER\r\nEVER 1.5.2\r\nOK\r\n');
      expect(await talk(server.port, 'ROPT\r', 'OK 00\r')).toBe('ROPT\rOK 00\r');
    } finally {
      await server.close();
      await emu.close();
    }
  });

  it('runSimulate listens, logs the address without secrets, and closes', async () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (l) => lines.push(l) });
    const sim = await runSimulate({
      listen: '127.0.0.1:0',
      dongle: 'RL7023-IPS',
      latencyScale: 0,
      routeBId: '00112233445566778899AABBCCDDEEF1',
      password: 'SECRETPASS12',
      faults: { dropResponses: 1 },
      logger,
    });
    try {
      expect(sim.emulator.faults.dropResponses).toBe(1);
      expect(await talk(sim.port, 'SKVER\r\n', 'OK\r\n')).toContain('EVER');
      expect(lines.join('\n')).toContain(`tcp://127.0.0.1:${sim.port}`);
      expect(lines.join('\n')).not.toContain('SECRETPASS12');
    } finally {
      await sim.close();
    }
    await expect(talk(sim.port, 'SKVER\r\n', 'OK')).rejects.toThrow();
  });

  it('parses host:port and rejects malformed specs', () => {
    expect(parseListen('127.0.0.1:3610')).toEqual({ host: '127.0.0.1', port: 3610 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => parseListen('localhost')).toThrow(/host:port/);
    expect(() => parseListen('h:99999')).toThrow(/host:port/);
  });
});
