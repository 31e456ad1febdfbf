import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';

/** One request the webhook receiver got. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  id: string | undefined;
}

/** What to answer: a status (and body), or 'hang' to never answer. */
export type Answer = { status: number; body?: string } | 'hang';
export type Responder = (r: Received, n: number) => Answer;

export interface HookServer {
  url: string;
  port: number;
  /** Every request, in arrival order (also those answered with an error). */
  received: Received[];
  /** Bodies of requests answered with a 2xx, in order. */
  accepted: Received[];
  respond(fn: Responder): void;
  /** Resolves when `pred` holds (checked on each request), rejects after `timeoutMs`. */
  waitFor(pred: (s: HookServer) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A real node:http webhook receiver on 127.0.0.1 (port 0 = any free port). */
export async function startHookServer(
  port = 0,
  responder: Responder = () => ({ status: 200 }),
): Promise<HookServer> {
  let respond = responder;
  const checks = new Set<() => void>();
  let server: Server;
  const hook: HookServer = {
    url: '',
    port: 0,
    received: [],
    accepted: [],
    respond(fn) {
      respond = fn;
    },
    waitFor(pred, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        if (pred(hook)) return resolve();
        const timer = setTimeout(() => {
          checks.delete(check);
          reject(new Error(`waitFor timed out; got ${hook.received.length} request(s)`));
        }, timeoutMs);
        const check = (): void => {
          if (!pred(hook)) return;
          clearTimeout(timer);
          checks.delete(check);
          resolve();
        };
        checks.add(check);
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = req.headers['x-hems-reading-id'];
      const r: Received = {
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        id: typeof id === 'string' ? id : undefined,
      };
      hook.received.push(r);
      const a = respond(r, hook.received.length);
      if (a !== 'hang') {
        if (a.status >= 200 && a.status < 300) hook.accepted.push(r);
        res.writeHead(a.status, { 'content-type': 'text/plain' }).end(a.body ?? '');
      }
      for (const c of [...checks]) c();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  hook.port = (server.address() as AddressInfo).port;
  hook.url = `http://127.0.0.1:${hook.port}/hook`;
  return hook;
}

export interface Fetched {
  status: number;
  body: string;
}

/**
 * GET from 127.0.0.1:`port` on a connection of its own, with a chosen Host header (fetch does
 * not let a caller choose it). `sent` is called once the request has left for the server.
 */
export function getFrom(
  port: number,
  path: string,
  opts: { host?: string; sent?: () => void } = {},
): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, agent: false, headers: opts.host ? { host: opts.host } : {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(() => opts.sent?.());
  });
}

/** Opens `n` connections to 127.0.0.1:`port` that never send a byte; resolves once each is connected or gone. */
export async function openSilentSockets(port: number, n: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve) => {
          const sock = connect(port, '127.0.0.1');
          sock.resume();
          sock.on('error', () => resolve());
          sock.on('connect', () => resolve());
          sock.on('close', () => resolve());
          sockets.push(sock);
        }),
    ),
  );
  return sockets;
}
