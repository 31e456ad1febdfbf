import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP, type Socket } from 'node:net';
import { describeError, HemsError } from '../errors.js';
import { redact } from '../log.js';
import type { Envelope } from '../reading/record.js';
import { createCostViews } from './cost.js';
import { DASHBOARD_HTML } from './dashboard.js';
import type { HttpDeps, OutputStats } from './deps.js';
import { createHalfHourIndex } from './halfhour-index.js';
import { FIRST_YEAR, halfHourDay, isServedDate, LAST_YEAR, localDateOf, slotsOf } from './halfhours.js';
import { healthOf } from './health.js';
import { latestView } from './latest.js';
import { createMetrics } from './metrics.js';

export type { HttpDeps, OutputStats } from './deps.js';

export interface HttpServer {
  port: number;
  url: string;
  /** Hands a fresh reading to the server (live values and bars even without a store). */
  onReading(env: Envelope): void;
  close(): Promise<void>;
}

/** Limits that keep a flood of idle or slow connections from starving the process (see HttpGuard). */
export interface HttpLimits {
  /** Open connections at most; past it the oldest idle one is dropped for the newcomer (default 64). */
  maxConnections: number;
  /** Time allowed to send the request headers (default 10 s). */
  headersTimeoutMs: number;
  /** Time a connection may stay silent, keep-alive included, before it is closed (default 30 s). */
  idleTimeoutMs: number;
}

export const DEFAULT_LIMITS: HttpLimits = {
  maxConnections: 64,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
};

export interface HttpGuard {
  /** Host names answered besides IP addresses, localhost and the bound name (--http-allow-host). */
  allowHosts?: readonly string[];
  limits?: Partial<HttpLimits>;
}

const DAY_MS = 86_400_000;
/** Slots remembered from onReading when there is no store (today and yesterday, with margin). */
const MEMORY_MS = 3 * DAY_MS;

const CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; " +
  "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** `host:port`, `[v6]:port` or `:port` (loopback). Port 0 picks a free one. */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(listen.trim());
  const port = Number(m?.[3]);
  if (!m || port > 65535) {
    throw new HemsError('CONFIG_INVALID', `--http expects HOST:PORT (e.g. 127.0.0.1:9108), got "${listen}"`, {
      listen,
    });
  }
  const host = m[1] ?? (m[2] || '127.0.0.1');
  return { host, port };
}

/**
 * Whether a request's Host header names this server. Against DNS rebinding (a page from
 * evil.example whose name now resolves to this machine): an IP address cannot be rebound, so
 * any IP literal is fine; a name must be localhost, the name we listen on, or one allowed by
 * --http-allow-host. Requests without Host (HTTP/1.0) are not from a browser and pass.
 */
export function hostAllowed(header: string | undefined, names: ReadonlySet<string>): boolean {
  if (header === undefined || header === '') return true;
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return /^\[[0-9a-f:.]+\](?::\d+)?$/.test(h);
  const name = h.replace(/:\d+$/, '').replace(/\.$/, '');
  return isIP(name) !== 0 || name === 'localhost' || names.has(name);
}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return (
    h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1' || (isIP(h) === 4 && h.startsWith('127.'))
  );
}

/**
 * Serves /metrics, /healthz, the dashboard (/) and its JSON (/api/latest, /api/halfhours).
 * Read-only: GET and HEAD only, everything else is 405.
 */
export async function startHttpServer(
  listen: string,
  deps: HttpDeps,
  guard: HttpGuard = {},
): Promise<HttpServer> {
  const { host, port } = parseListen(listen);
  const log = deps.logger.child('http');
  const now = deps.now ?? Date.now;
  const limits: HttpLimits = { ...DEFAULT_LIMITS, ...guard.limits };
  const names = new Set((guard.allowHosts ?? []).map((n) => n.toLowerCase()));
  if (isIP(host) === 0) names.add(host.toLowerCase());
  let pushed: Envelope | null = null;
  const memory = new Map<number, number>();
  const index = deps.store ? createHalfHourIndex({ store: deps.store, timezone: deps.timezone }) : null;

  const latest = (): Envelope | null => {
    let stored: Envelope | null = null;
    try {
      stored = deps.store?.latest() ?? null;
    } catch (e) {
      log.debug(() => `store latest failed: ${describeError(e)}`);
    }
    if (!stored) return pushed;
    if (!pushed) return stored;
    return Date.parse(pushed.reading.timestamp) >= Date.parse(stored.reading.timestamp) ? pushed : stored;
  };
  // Output errors are shown to anyone who can reach the port: masked like the logs.
  const outputs = (): Record<string, OutputStats> => {
    const stats = deps.delivery?.stats() ?? {};
    const out: Record<string, OutputStats> = {};
    for (const [name, st] of Object.entries(stats)) {
      out[name] = st.lastError ? { ...st, lastError: redact(st.lastError) } : st;
    }
    return out;
  };
  const costs = createCostViews({ store: deps.store, tariff: deps.tariff, timezone: deps.timezone, now });
  const storeHealth = () => deps.store?.status?.() ?? null;
  const metrics = createMetrics({
    status: () => deps.source.status(),
    latest,
    outputs,
    // The store may be unavailable: then there is no period figure, and the scrape still works.
    period: () => (storeHealth()?.up === false ? null : costs.period()),
    ...(deps.store?.status ? { store: storeHealth } : {}),
    ...(deps.backfill ? { backfillDaysLeft: () => deps.backfill!.daysLeft() } : {}),
  });

  const halfHours = async (date: string) => {
    const slots = new Map<number, number>();
    if (index) {
      try {
        for (const [end, kwh] of await index.slots(date)) slots.set(end, kwh);
      } catch (e) {
        // An unavailable store is reported by /healthz; the bars come from memory meanwhile.
        log.debug(() => `store query failed: ${describeError(e)}`);
      }
    }
    for (const [end, kwh] of memory) if (!slots.has(end)) slots.set(end, kwh);
    return halfHourDay(date, deps.timezone, slots);
  };

  /** A panel computed from the store: 503 saying so while the store is unavailable. */
  const fromStore = (answer: () => unknown): Reply => {
    const h = storeHealth();
    if (h && !h.up) return json(503, { error: 'store unavailable', problem: h.problem ?? null });
    return json(200, answer());
  };

  const route = async (req: IncomingMessage, url: URL): Promise<Reply> => {
    switch (url.pathname) {
      case '/':
      case '/index.html':
        return {
          code: 200,
          type: 'text/html; charset=utf-8',
          body: DASHBOARD_HTML,
          headers: { 'content-security-policy': CSP },
        };
      case '/metrics':
        return { code: 200, type: metrics.contentType, body: await metrics.render() };
      case '/healthz': {
        const h = healthOf(deps.source.status(), now(), deps.intervalMs, storeHealth());
        return json(h.code, h.body);
      }
      case '/api/latest':
        return json(
          200,
          latestView({
            env: latest(),
            status: deps.source.status(),
            outputs: outputs(),
            nowMs: now(),
            intervalMs: deps.intervalMs,
            timezone: deps.timezone,
            store: storeHealth(),
            backfillDaysLeft: deps.backfill?.daysLeft() ?? null,
          }),
        );
      case '/api/halfhours': {
        const date = url.searchParams.get('date') ?? localDateOf(now(), deps.timezone);
        if (!isServedDate(date)) {
          return json(400, { error: `date must be a YYYY-MM-DD date from ${FIRST_YEAR} to ${LAST_YEAR}` });
        }
        return json(200, await halfHours(date));
      }
      case '/api/cost':
        return fromStore(() => costs.cost());
      case '/api/month':
        return fromStore(() => costs.month());
      case '/api/power6h':
        return fromStore(() => costs.power6h());
      default:
        log.debug(() => `404 ${req.method} ${url.pathname}`);
        return json(404, { error: 'not found' });
    }
  };

  const refusedHosts = new Set<string>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let reply: Reply;
    if (!hostAllowed(req.headers.host, names)) {
      const shown = String(req.headers.host).slice(0, 100);
      // Once per name (and not for ever more names): a scanner must not flood the journal.
      if (refusedHosts.size < 20 && !refusedHosts.has(shown)) {
        refusedHosts.add(shown);
        log.warn(
          `refused a request for host ${JSON.stringify(shown)}: use an IP address or localhost, or allow the name with --http-allow-host`,
        );
      }
      reply = json(403, { error: 'host not allowed; see --http-allow-host' });
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      reply = { ...json(405, { error: 'read-only: GET or HEAD only' }), headers: { allow: 'GET, HEAD' } };
    } else {
      try {
        reply = await route(req, new URL(req.url ?? '/', 'http://localhost'));
      } catch (e) {
        log.warn(`${req.method} ${req.url} failed: ${describeError(e)}`);
        reply = json(500, { error: 'internal error' });
      }
    }
    const body = Buffer.from(reply.body);
    res.writeHead(reply.code, {
      'content-type': reply.type,
      'content-length': body.length,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...reply.headers,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  // Every open socket holds a file descriptor, which the file output and the database need
  // too: the connections are capped, and a newcomer takes the place of the oldest idle one,
  // so a flood of silent sockets can neither exhaust descriptors nor lock out /healthz.
  const sockets = new Set<Socket>();
  const busy = new Map<Socket, number>();
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.headersTimeoutMs + 5_000,
      keepAliveTimeout: Math.min(5_000, limits.idleTimeoutMs),
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    (req, res) => {
      const sock = req.socket;
      busy.set(sock, (busy.get(sock) ?? 0) + 1);
      res.once('close', () => {
        const n = (busy.get(sock) ?? 1) - 1;
        if (n > 0) busy.set(sock, n);
        else busy.delete(sock);
      });
      handle(req, res).catch((e) => {
        log.warn(`http response failed: ${describeError(e)}`);
        res.destroy();
      });
    },
  );
  server.setTimeout(limits.idleTimeoutMs);
  server.on('connection', (sock: Socket) => {
    if (sockets.size >= limits.maxConnections) {
      for (const old of sockets) {
        if (busy.has(old)) continue;
        old.destroy();
        sockets.delete(old);
        break;
      }
    }
    if (sockets.size >= limits.maxConnections) {
      sock.destroy();
      return;
    }
    sockets.add(sock);
    sock.once('close', () => {
      sockets.delete(sock);
      busy.delete(sock);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new HemsError('CONFIG_INVALID', `cannot listen on ${listen}: ${describeError(e)}`, { listen })),
    );
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  if (!isLoopback(host)) {
    log.warn(
      `HTTP server listens on ${host}, reachable from other machines: metrics and readings are visible to anyone who can connect`,
    );
  }
  log.info(`HTTP server on ${url} (/ dashboard, /metrics, /healthz)`);

  return {
    port: bound,
    url,
    onReading(env) {
      if (!env.backfill) pushed = env;
      index?.add(env);
      slotsOf([env], memory);
      const horizon = now() - MEMORY_MS;
      for (const end of memory.keys()) if (end < horizon) memory.delete(end);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Reply {
  code: number;
  type: string;
  body: string;
  headers?: Record<string, string>;
}

function json(code: number, value: unknown): Reply {
  return { code, type: 'application/json; charset=utf-8', body: JSON.stringify(value) };
}
