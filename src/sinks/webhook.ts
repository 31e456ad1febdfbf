import { createHmac } from 'node:crypto';
import { HemsError } from '../errors.js';
import { registerSecret, urlForDisplay } from '../log.js';
import type { Envelope } from '../reading/record.js';
import { renderRecord } from './format.js';
import { ATTEMPT_TIMEOUT_MS, type Sink } from './types.js';

export interface WebhookOptions {
  url: string;
  /** Sent as `Authorization: Bearer <token>` (WEBHOOK_TOKEN). */
  token?: string | null;
  /** Key for `X-Hems-Signature: sha256=<hex HMAC-SHA256 of the body>` (WEBHOOK_SECRET). */
  secret?: string | null;
  /** Extra headers (WEBHOOK_HEADERS, parsed by the config); ours win on a clash. */
  headers?: Record<string, string>;
  /** Per-request timeout; default ATTEMPT_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** The exact body: the record as the JSON output writes it (Python float spelling), one line. */
export function webhookBody(env: Envelope): string {
  return renderRecord('json', env).trimEnd();
}

export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new HemsError('CONFIG_INVALID', 'webhook URL is not a valid URL', { option: 'WEBHOOK_URL' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HemsError('CONFIG_INVALID', `webhook URL must be http(s), not ${url.protocol}`, {
      option: 'WEBHOOK_URL',
    });
  }
  return url;
}

const isAbort = (e: unknown): boolean =>
  e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');

/** Why fetch failed, without the URL (it may hold a key) — undici hides the cause one level down. */
function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
}

/**
 * POSTs each record as JSON. Resolves only on a 2xx. Retryable failures: network errors,
 * timeouts, 408, 429, 5xx. Other answers (4xx, 3xx — a redirect would turn the POST into a
 * GET) are reported as a configuration problem (OUTPUT_REJECTED).
 */
export function createWebhookSink(opts: WebhookOptions, fetchImpl: typeof fetch = fetch): Sink {
  registerSecret(opts.token);
  registerSecret(opts.secret);
  for (const v of Object.values(opts.headers ?? {})) registerSecret(v);
  let url = parseUrl(opts.url);
  // The path and query may be the key itself (Slack, Discord): masked should a message quote them.
  if (url.pathname.length + url.search.length > 1) registerSecret(url.pathname + url.search);
  const fixed: Record<string, string> = {};
  if (url.username || url.password) {
    // fetch refuses URLs with credentials; send them the way a browser would.
    const user = decodeURIComponent(url.username);
    const pass = decodeURIComponent(url.password);
    registerSecret(pass);
    fixed.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    url = new URL(url.href);
    url.username = '';
    url.password = '';
  }
  if (opts.token) fixed.authorization = `Bearer ${opts.token}`;
  // Scheme and host only: Slack- and Discord-style URLs carry their key in the path.
  const where = urlForDisplay(url.href);
  const timeoutMs = opts.timeoutMs ?? ATTEMPT_TIMEOUT_MS;
  let stopping = new AbortController();

  return {
    name: 'webhook',
    remote: true,
    async start() {
      stopping = new AbortController();
    },
    async deliver(env) {
      const body = webhookBody(env);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
      Object.assign(headers, fixed, {
        'content-type': 'application/json',
        'x-hems-reading-id': env.id,
      });
      if (opts.secret) headers['x-hems-signature'] = signBody(body, opts.secret);
      let res: Response;
      try {
        res = await fetchImpl(url, {
          method: 'POST',
          headers,
          body,
          redirect: 'manual',
          signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stopping.signal]),
        });
      } catch (e) {
        if (stopping.signal.aborted) throw new HemsError('OUTPUT_RETRYABLE', `webhook ${where}: stopped`);
        if (isAbort(e)) {
          throw new HemsError('OUTPUT_RETRYABLE', `webhook ${where} did not answer within ${timeoutMs} ms`);
        }
        throw new HemsError('OUTPUT_RETRYABLE', `webhook ${where} unreachable: ${networkReason(e)}`);
      }
      const text = await res.text().catch(() => '');
      if (res.status >= 200 && res.status < 300) return;
      const snippet = text.trim().slice(0, 120);
      const detail = `webhook ${where} answered HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`;
      const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
      if (retryable) throw new HemsError('OUTPUT_RETRYABLE', detail, { status: res.status });
      throw new HemsError(
        'OUTPUT_REJECTED',
        `${detail} (configuration problem: check WEBHOOK_URL, WEBHOOK_TOKEN and WEBHOOK_HEADERS)`,
        { status: res.status },
      );
    },
    async stop() {
      stopping.abort();
    },
  };
}
