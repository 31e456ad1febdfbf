import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { isHemsError } from '../../src/errors.js';
import { renderRecord } from '../../src/sinks/format.js';
import { createWebhookSink, signBody, webhookBody } from '../../src/sinks/webhook.js';
import { envelope } from '../support/envelope.js';
import { type HookServer, startHookServer } from '../support/http-server.js';
import { freePort } from '../support/net.js';
import { outputFailure as failure } from '../support/output-failure.js';

const servers: HookServer[] = [];
async function server(...args: Parameters<typeof startHookServer>): Promise<HookServer> {
  const s = await startHookServer(...args);
  servers.push(s);
  return s;
}
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe('webhook sink', () => {
  test('POSTs the JSON record with the reading id, token, extra headers and a verifiable signature', async () => {
    const srv = await server();
    const sink = createWebhookSink({
      url: srv.url,
      token: 'tok-abcdef-123',
      secret: 'shh-its-a-secret',
      headers: { 'X-Tenant': 'home', 'Content-Type': 'text/plain' },
    });
    const env = envelope(3, { backfill: true });
    await sink.deliver(env);
    expect(srv.received).toHaveLength(1);
    const r = srv.received[0]!;
    expect(r.body).toBe(renderRecord('json', env).trimEnd());
    expect(JSON.parse(r.body)).toMatchObject({ instant_power_w: 403, backfill: true });
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-hems-reading-id']).toBe(env.id);
    expect(r.headers.authorization).toBe('Bearer tok-abcdef-123');
    expect(r.headers['x-tenant']).toBe('home');
    const expected = createHmac('sha256', 'shh-its-a-secret').update(r.body).digest('hex');
    expect(r.headers['x-hems-signature']).toBe(`sha256=${expected}`);
    expect(signBody(webhookBody(env), 'shh-its-a-secret')).toBe(`sha256=${expected}`);
  });

  test('sends no Authorization or signature when not configured', async () => {
    const srv = await server();
    await createWebhookSink({ url: srv.url }).deliver(envelope(1));
    expect(srv.received[0]!.headers.authorization).toBeUndefined();
    expect(srv.received[0]!.headers['x-hems-signature']).toBeUndefined();
  });

  test.each([
    [500, 'OUTPUT_RETRYABLE'],
    [503, 'OUTPUT_RETRYABLE'],
    [408, 'OUTPUT_RETRYABLE'],
    [429, 'OUTPUT_RETRYABLE'],
    [400, 'OUTPUT_REJECTED'],
    [401, 'OUTPUT_REJECTED'],
    [404, 'OUTPUT_REJECTED'],
    [302, 'OUTPUT_REJECTED'],
  ])('HTTP %i is %s', async (status, code) => {
    const srv = await server(0, () => ({ status, body: 'nope' }));
    const sink = createWebhookSink({ url: srv.url, token: 'tok-abcdef-123' });
    const e = await failure(sink.deliver(envelope(1)));
    expect(e.context.status).toBe(status);
    expect(e.code).toBe(code);
    expect(e.message).toContain(String(status));
    expect(e.message).not.toContain('tok-abcdef-123');
    if (code === 'OUTPUT_REJECTED') expect(e.message).toContain('configuration problem');
  });

  test('a server that does not answer is a retryable timeout', async () => {
    const srv = await server(0, () => 'hang');
    const sink = createWebhookSink({ url: srv.url, timeoutMs: 200 });
    const e = await failure(sink.deliver(envelope(1)));
    expect(e.code).toBe('OUTPUT_RETRYABLE');
    expect(e.message).toContain('did not answer within 200 ms');
  });

  test('a closed port is a retryable failure and the message hides credentials', async () => {
    const port = await freePort();
    const sink = createWebhookSink({ url: `http://user:pa55word@127.0.0.1:${port}/hook?key=k3y` });
    const e = await failure(sink.deliver(envelope(1)));
    expect(e.code).toBe('OUTPUT_RETRYABLE');
    expect(e.message).toContain('unreachable');
    expect(e.message).not.toMatch(/pa55word|k3y/);
  });

  test('user info in the URL becomes Basic auth', async () => {
    const srv = await server();
    await createWebhookSink({ url: srv.url.replace('http://', 'http://me:pw@') }).deliver(envelope(1));
    expect(srv.received[0]!.headers.authorization).toBe(`Basic ${Buffer.from('me:pw').toString('base64')}`);
  });

  test('stop() abandons an in-flight request', async () => {
    const srv = await server(0, () => 'hang');
    const sink = createWebhookSink({ url: srv.url, timeoutMs: 30_000 });
    const p = failure(sink.deliver(envelope(1)));
    await srv.waitFor((s) => s.received.length === 1);
    await sink.stop();
    expect((await p).message).toContain('stopped');
  });

  test('an invalid URL is CONFIG_INVALID', () => {
    for (const url of ['not a url', 'ftp://example.test/x']) {
      let err: unknown;
      try {
        createWebhookSink({ url });
      } catch (e) {
        err = e;
      }
      expect(isHemsError(err, 'CONFIG_INVALID')).toBe(true);
    }
  });
});
