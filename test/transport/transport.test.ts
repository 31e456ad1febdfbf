import { chmodSync, closeSync, openSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isHemsError } from '../../src/errors.js';
import { openTransport } from '../../src/transport/index.js';
import { serialOpenError } from '../../src/transport/serial.js';
import { wrapStream } from '../../src/transport/stream.js';
import { parseTcpSpec } from '../../src/transport/tcp.js';
import type { ByteStream } from '../../src/transport/types.js';
import { until } from '../support/wait.js';
import { type Socat, startSocat, tempDir } from './helpers.js';

const enc = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function collect(stream: ByteStream): { bytes: () => Buffer; closed: Array<Error | undefined> } {
  const chunks: Buffer[] = [];
  const closed: Array<Error | undefined> = [];
  stream.onData((c) => chunks.push(Buffer.from(c)));
  stream.onClose((e) => closed.push(e));
  return { bytes: () => Buffer.concat(chunks), closed };
}

describe('openTransport tcp://', () => {
  async function server(): Promise<{ port: number; sockets: net.Socket[]; received: () => Buffer }> {
    const sockets: net.Socket[] = [];
    const chunks: Buffer[] = [];
    const srv = net.createServer((s) => {
      sockets.push(s);
      s.on('data', (d) => chunks.push(d));
      s.on('error', () => {});
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          srv.close(() => r());
        }),
    );
    return { port: (srv.address() as net.AddressInfo).port, sockets, received: () => Buffer.concat(chunks) };
  }

  it('carries raw bytes both ways, including CR, LF and 0x00', async () => {
    const srv = await server();
    const stream = await openTransport(`tcp://127.0.0.1:${srv.port}`, { baudRate: 115200 });
    cleanups.push(() => stream.close());
    expect(stream.description).toBe(`tcp://127.0.0.1:${srv.port}`);
    const got = collect(stream);
    const payload = Uint8Array.of(0x53, 0x4b, 0x0d, 0x0a, 0x00, 0xff, 0x20);
    await stream.write(payload);
    await until(() => srv.received().length === payload.length);
    expect(new Uint8Array(srv.received())).toEqual(payload);
    await until(() => srv.sockets.length === 1);
    srv.sockets[0]!.write(Buffer.from('EVER 1.2.10\r\n\x00\x01'));
    await until(() => got.bytes().length === 15);
    expect(got.bytes().toString('latin1')).toBe('EVER 1.2.10\r\n\x00\x01');
  });

  it('fires onClose once when the peer goes away', async () => {
    const srv = await server();
    const stream = await openTransport(`tcp://127.0.0.1:${srv.port}`, { baudRate: 115200 });
    const got = collect(stream);
    await until(() => srv.sockets.length === 1);
    srv.sockets[0]!.destroy();
    await until(() => got.closed.length > 0);
    await stream.close();
    await new Promise((r) => setImmediate(r));
    expect(got.closed).toHaveLength(1);
    await expect(stream.write(enc('x'))).rejects.toThrow();
  });

  it('fires onClose once on our own close()', async () => {
    const srv = await server();
    const stream = await openTransport(`tcp://127.0.0.1:${srv.port}`, { baudRate: 115200 });
    const got = collect(stream);
    await stream.close();
    await until(() => got.closed.length > 0);
    expect(got.closed).toEqual([undefined]);
  });

  it('reports a refused connection as TRANSPORT_OPEN_FAILED', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const err = await openTransport(`tcp://127.0.0.1:${port}`, { baudRate: 115200 }).catch((e: unknown) => e);
    expect(isHemsError(err, 'TRANSPORT_OPEN_FAILED')).toBe(true);
    expect((err as Error).message).toContain('connection refused');
  });

  it('parses tcp specs, including bracketed IPv6', () => {
    expect(parseTcpSpec('tcp://localhost:3610')).toEqual({ host: 'localhost', port: 3610 });
    expect(parseTcpSpec('tcp://[::1]:3610')).toEqual({ host: '::1', port: 3610 });
    expect(parseTcpSpec('tcp://host')).toBeNull();
    expect(parseTcpSpec('tcp://host:70000')).toBeNull();
  });
});

describe('wrapStream', () => {
  it('keeps bytes that arrive before onData is registered and reports close once', async () => {
    let push: (c: Uint8Array) => void = () => {};
    let end: (e?: Error) => void = () => {};
    const stream = wrapStream({
      description: 'fake',
      write: async () => {},
      close: async () => end(),
      subscribe: (d, e) => {
        push = d;
        end = e;
      },
    });
    push(enc('early'));
    push(enc('\r\n'));
    const got = collect(stream);
    expect(got.bytes().toString()).toBe('early\r\n');
    end(new Error('gone'));
    end();
    await stream.close();
    expect(got.closed).toEqual([new Error('gone')]);
    const late: Array<Error | undefined> = [];
    stream.onClose((e) => late.push(e));
    await new Promise((r) => queueMicrotask(() => r(undefined)));
    expect(late).toHaveLength(1);
  });
});

describe('openTransport sim and bad specs', () => {
  it('calls the injected simulator for "sim"', async () => {
    const fake = { description: 'sim' } as ByteStream;
    await expect(openTransport('sim', { baudRate: 115200, simulator: () => fake })).resolves.toBe(fake);
  });

  it('fails clearly for "sim" without a simulator and for unknown schemes', async () => {
    await expect(openTransport('sim', { baudRate: 115200 })).rejects.toMatchObject({
      code: 'TRANSPORT_OPEN_FAILED',
    });
    await expect(openTransport('udp://1.2.3.4:5', { baudRate: 115200 })).rejects.toMatchObject({
      code: 'TRANSPORT_OPEN_FAILED',
    });
  });
});

describe('openTransport serial device (socat PTY pair)', () => {
  async function ptyPair(): Promise<{ a: string; b: string; socat: Socat }> {
    const dir = tempDir();
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    const socat = await startSocat(`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`, [a, b]);
    cleanups.push(() => socat.stop());
    return { a, b, socat };
  }

  it('carries bytes both ways through a real PTY', async () => {
    const { a, b } = await ptyPair();
    const left = await openTransport(a, { baudRate: 115200 });
    cleanups.push(() => left.close());
    const right = await openTransport(b, { baudRate: 115200 });
    cleanups.push(() => right.close());
    expect(left.description).toBe(`${a} @115200`);
    const gotL = collect(left);
    const gotR = collect(right);
    const bin = Uint8Array.from({ length: 256 }, (_, i) => i);
    await left.write(bin);
    await until(() => gotR.bytes().length === 256, 'bytes at b', { ms: 5000 });
    expect(new Uint8Array(gotR.bytes())).toEqual(bin);
    await right.write(enc('OK 01\r'));
    await until(() => gotL.bytes().length === 6, 'bytes at a', { ms: 5000 });
    expect(gotL.bytes().toString()).toBe('OK 01\r');
  });

  it('fires onClose once when the other end disappears (unplug)', async () => {
    const { a, socat } = await ptyPair();
    const stream = await openTransport(a, { baudRate: 115200 });
    const got = collect(stream);
    await socat.stop();
    await until(() => got.closed.length > 0, 'close', { ms: 5000 });
    await stream.close();
    await new Promise((r) => setImmediate(r));
    expect(got.closed).toHaveLength(1);
  });

  it('says "not found" for a missing device', async () => {
    const err = await openTransport('/dev/ttyUSB-does-not-exist', { baudRate: 115200 }).catch(
      (e: unknown) => e,
    );
    expect(isHemsError(err, 'TRANSPORT_OPEN_FAILED')).toBe(true);
    expect((err as Error).message).toBe(
      'serial port /dev/ttyUSB-does-not-exist not found (check --port / SERIAL_PORT; --port sim runs the built-in emulator)',
    );
  });

  it('explains permission errors with the dialout group', async () => {
    const e = Object.assign(new Error('Error: Permission denied, cannot open /dev/ttyUSB0'), {
      code: 'EACCES',
    });
    const err = serialOpenError('/dev/ttyUSB0', e);
    expect(err.code).toBe('TRANSPORT_OPEN_FAILED');
    expect(err.message).toMatch(/permission denied.*\/dev\/ttyUSB0.*dialout group/);
  });

  it('fails to open a file that is not a tty with TRANSPORT_OPEN_FAILED', async () => {
    const path = join(tempDir(), 'plain');
    closeSync(openSync(path, 'w'));
    chmodSync(path, 0o600);
    await expect(openTransport(path, { baudRate: 115200 })).rejects.toMatchObject({
      code: 'TRANSPORT_OPEN_FAILED',
    });
  });
});
