import net from 'node:net';
import { HemsError } from '../errors.js';
import { wrapStream } from './stream.js';
import type { ByteStream } from './types.js';

/** Parses `tcp://host:port` (IPv6 hosts in brackets); null when the spec is not a tcp:// URL. */
export function parseTcpSpec(spec: string): { host: string; port: number } | null {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(spec);
  if (!m) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Connects to a ser2net-style raw TCP port (or the emulator's listener). */
export function openTcp(spec: string, connectTimeoutMs = 10_000): Promise<ByteStream> {
  const addr = parseTcpSpec(spec);
  if (!addr) {
    return Promise.reject(
      new HemsError('TRANSPORT_OPEN_FAILED', `"${spec}" is not a valid tcp://host:port address`, { spec }),
    );
  }
  const description = `tcp://${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${addr.port}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: addr.host, port: addr.port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new HemsError('TRANSPORT_OPEN_FAILED', `${description}: no connection within ${connectTimeoutMs} ms`),
      );
    }, connectTimeoutMs);
    const onError = (e: NodeJS.ErrnoException): void => {
      clearTimeout(timer);
      const why = e.code === 'ECONNREFUSED' ? 'connection refused' : e.message;
      reject(
        new HemsError('TRANSPORT_OPEN_FAILED', `cannot connect to ${description}: ${why}`, { code: e.code }),
      );
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(
        wrapStream({
          description,
          write: (data) =>
            new Promise((res, rej) => {
              socket.write(data, (err) => (err ? rej(err) : res()));
            }),
          close: () =>
            new Promise((res) => {
              if (socket.destroyed) return res();
              socket.once('close', () => res());
              socket.end();
              // A peer that never FINs back must not keep us open.
              setTimeout(() => socket.destroy(), 1000).unref();
            }),
          subscribe: (onData, onEnd) => {
            let lastError: Error | undefined;
            socket.on('data', (b: Buffer) => onData(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
            socket.on('error', (e) => {
              lastError = e;
            });
            socket.on('end', () => socket.end());
            socket.on('close', () => onEnd(lastError));
          },
        }),
      );
    });
  });
}
