import { createServer, type Socket } from 'node:net';
import type { ByteStream } from '../transport/types.js';

/** Anything with attach(): the Emulator. */
export interface Attachable {
  attach(): ByteStream;
}

/** Serves an emulator over TCP: each connection attaches (displacing the previous one). */
export function listenTcp(
  emu: Attachable,
  host: string,
  port: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const stream = emu.attach();
    let open = true;
    stream.onData((chunk) => {
      if (open) socket.write(chunk);
    });
    stream.onClose(() => {
      if (open) socket.end();
    });
    socket.on('data', (chunk) => {
      stream.write(chunk).catch(() => socket.destroy());
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      open = false;
      sockets.delete(socket);
      void stream.close();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      resolve({
        port: bound,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
