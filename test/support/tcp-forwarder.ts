import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder on 127.0.0.1 standing in for a flaky network path to a destination: while
 * `refusing`, every connection is reset as soon as it is accepted (the outage); after `open()`,
 * connections are piped to `target`. One helper for every remote output (HTTP, gRPC, MQTT).
 */
export interface Forwarder {
  readonly port: number;
  /** `host:port` to give a client in place of the real endpoint. */
  readonly host: string;
  /** Connections accepted so far (refused ones included). */
  readonly connections: number;
  /** Connections reset during the outage. */
  readonly refused: number;
  /** performance.now() when open() was called, or null while refusing. */
  readonly openedAt: number | null;
  /** Starts forwarding (the destination is back). */
  open(): void;
  /** Refuses again and drops every forwarded connection (the destination is gone again). */
  cut(): void;
  close(): Promise<void>;
}

/** Listens on `port` (0: any free one) and starts refusing; `target` is `host:port`. */
export async function startForwarder(target: string, port = 0): Promise<Forwarder> {
  const i = target.lastIndexOf(':');
  const targetHost = target.slice(0, i);
  const targetPort = Number(target.slice(i + 1));
  const sockets = new Set<Socket>();
  let openedAt: number | null = null;
  let connections = 0;
  let refused = 0;
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('error', () => s.destroy());
    s.on('close', () => sockets.delete(s));
  };
  const server: Server = createServer((client) => {
    connections++;
    if (openedAt === null) {
      refused++;
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      track(s);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    port: bound,
    host: `127.0.0.1:${bound}`,
    get connections() {
      return connections;
    },
    get refused() {
      return refused;
    },
    get openedAt() {
      return openedAt;
    },
    open() {
      openedAt ??= performance.now();
    },
    cut() {
      openedAt = null;
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
