import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { backoffDelay } from '../../src/backoff.js';
import { HemsError } from '../../src/errors.js';
import type { Envelope } from '../../src/reading/record.js';
import { createDelivery } from '../../src/sinks/delivery.js';
import type { Delivery } from '../../src/sinks/delivery-api.js';
import { type OutputName, REMOTE_RETRY, type Sink } from '../../src/sinks/types.js';
import { createWebhookSink } from '../../src/sinks/webhook.js';
import { type LiveStore, openLiveStore } from '../../src/store/live.js';
import { openStore, type Store } from '../../src/store/store.js';
import { envelope } from '../support/envelope.js';
import { type HookServer, startHookServer } from '../support/http-server.js';
import { captureLogger } from '../support/logger.js';
import { freePort } from '../support/net.js';
import { tempDir } from '../support/temp.js';
import { until } from '../support/wait.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
function store(dir = tempDir('hems-delivery-'), extra: Partial<Parameters<typeof openStore>[0]> = {}): Store {
  const s = openStore({ dir, ...extra });
  cleanups.push(() => s.close());
  return s;
}
function live(opts: Parameters<typeof openLiveStore>[0]): LiveStore {
  const s = openLiveStore(opts);
  cleanups.push(() => s.close());
  return s;
}
function delivery(opts: Parameters<typeof createDelivery>[0]): Delivery {
  const d = createDelivery({ backoff: { baseMs: 20, maxMs: 100 }, ...opts });
  cleanups.push(() => d.close());
  return d;
}
async function hook(port = 0): Promise<HookServer> {
  const s = await startHookServer(port);
  cleanups.push(() => s.close());
  return s;
}

/** A local or remote sink in memory, with a switch to make it fail. */
function memorySink(name: OutputName, remote: boolean) {
  const got: Envelope[] = [];
  const ctl = { fail: null as HemsError | null, got };
  const sink: Sink = {
    name,
    remote,
    async deliver(env) {
      if (ctl.fail) throw ctl.fail;
      got.push(env);
    },
    async stop() {},
  };
  return { sink, ctl };
}

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => envelope(from + i).id);
/** Ids in first-arrival order, each once (receivers de-duplicate on X-Hems-Reading-Id). */
const uniqueIds = (s: HookServer) => [...new Set(s.accepted.map((r) => r.id))];

describe('backoff', () => {
  test('doubles from the base, capped, with bounded jitter', () => {
    const o = { baseMs: 100, maxMs: 1000 };
    expect(backoffDelay(1, o, () => 0.5)).toBe(100);
    expect(backoffDelay(3, o, () => 0.5)).toBe(400);
    expect(backoffDelay(50, o, () => 0.5)).toBe(1000);
    expect(backoffDelay(2, o, () => 0)).toBe(160);
    expect(backoffDelay(2, o, () => 1)).toBe(240);
    expect(backoffDelay(10, o, () => 1)).toBe(1000);
  });

  test('without jitter it is exact (the B-route link)', () => {
    const o = { baseMs: 100, maxMs: 1000, jitter: 0 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, o, () => 1))).toEqual([100, 200, 400, 800, 1000]);
  });

  test('remote outputs retry after 1, 2, 4, 8, then at most 10 s (README)', () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, REMOTE_RETRY, () => 0.5))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
    for (let n = 1; n < 40; n++) expect(backoffDelay(n, REMOTE_RETRY, () => 1)).toBeLessThanOrEqual(10_000);
    expect(backoffDelay(9, REMOTE_RETRY, () => 0)).toBe(8000);
  });
});

describe('what an outage looks like in the log', () => {
  const down = new HemsError('OUTPUT_RETRYABLE', 'webhook http://127.0.0.1:9/hook unreachable: ECONNREFUSED');
  const notDebug = (l: { level: string }) => l.level !== 'debug';

  test('one warning when it starts, repeats counted, one line when back with time down and readings caught up', async () => {
    const logger = captureLogger();
    const { sink, ctl } = memorySink('webhook', true);
    ctl.fail = down;
    const d = delivery({ store: store(), sinks: [sink], logger });
    for (let i = 0; i < 3; i++) await d.submit(envelope(i));
    await until(() => (d.stats().webhook?.failures ?? 0) >= 5);
    ctl.fail = null;
    expect(await d.flush(10_000)).toBe(true);
    await until(() => logger.lines.some((l) => l.msg.includes('delivering again')));
    const failures = d.stats().webhook?.failures ?? 0;
    expect(logger.lines.filter(notDebug).map((l) => [l.level, l.msg])).toEqual([
      ['warn', `output webhook failed, will retry: ${down.message}`],
      [
        'info',
        expect.stringMatching(
          new RegExp(
            `^output webhook: delivering again after \\d+\\.\\d s down and ${failures} failed attempt\\(s\\); 3 reading\\(s\\) caught up$`,
          ),
        ),
      ],
    ]);
    const repeats = logger.lines.filter(
      (l) => l.level === 'debug' && l.msg.includes('still failing (attempt'),
    );
    expect(repeats).toHaveLength(failures - 1);
  });

  test('a long outage is recalled now and then with its attempts and time down', async () => {
    const logger = captureLogger();
    const { sink, ctl } = memorySink('webhook', true);
    ctl.fail = down;
    const d = delivery({ store: store(), sinks: [sink], logger, remindEveryMs: 150 });
    await d.submit(envelope(0));
    await until(() => logger.lines.some((l) => l.msg.includes('still failing after')));
    const reminder = logger.lines.find((l) => l.msg.includes('still failing after'));
    expect(reminder).toMatchObject({ level: 'warn' });
    expect(reminder?.msg).toMatch(
      /^output webhook still failing after \d+ attempt\(s\), \d+\.\d s down: webhook \S+ unreachable: ECONNREFUSED$/,
    );
  });

  test('a recovery cut short by a new failure still gets its line, then the new outage its own', async () => {
    const logger = captureLogger();
    let n = 0;
    const sink: Sink = {
      name: 'mqtt',
      remote: true,
      async deliver() {
        n++;
        // Down for 2 attempts, one delivery, down again for 2, then up.
        if (n <= 2 || n === 4 || n === 5) throw new HemsError('OUTPUT_RETRYABLE', 'broker unreachable');
      },
      async stop() {},
    };
    const d = delivery({ store: store(), sinks: [sink], logger });
    for (let i = 0; i < 3; i++) await d.submit(envelope(i));
    expect(await d.flush(10_000)).toBe(true);
    await until(() => logger.lines.filter((l) => l.msg.includes('delivering again')).length >= 2);
    expect(logger.lines.filter(notDebug).map((l) => l.msg.replace(/\d+\.\d s/, 'T'))).toEqual([
      'output mqtt failed, will retry: broker unreachable',
      'output mqtt: delivering again after T down and 2 failed attempt(s); 1 reading(s) caught up',
      'output mqtt failed, will retry: broker unreachable',
      'output mqtt: delivering again after T down and 2 failed attempt(s); 2 reading(s) caught up',
    ]);
  });

  test('a failure with a long, many-line message is one short line', async () => {
    const logger = captureLogger();
    const { sink, ctl } = memorySink('gcloud', true);
    ctl.fail = new HemsError(
      'OUTPUT_RETRYABLE',
      `Total timeout exceeded ${'{message: 14 UNAVAILABLE, code: 14}, '.repeat(100)}\nnext`,
    );
    const d = delivery({ store: store(), sinks: [sink], logger });
    await d.submit(envelope(0));
    await until(() => logger.lines.some((l) => l.level === 'warn'));
    const line = logger.lines.find((l) => l.level === 'warn')?.msg ?? '';
    expect(line.length).toBeLessThan(220);
    expect(line).not.toContain('\n');
    expect(line.endsWith('…')).toBe(true);
  });
});

describe('delivery', () => {
  test('a webhook that is down for several submits gets every reading once, in order, when it returns', async () => {
    const port = await freePort();
    const s = store();
    const d = delivery({ store: s, sinks: [createWebhookSink({ url: `http://127.0.0.1:${port}/hook` })] });
    for (let i = 0; i < 5; i++) await d.submit(envelope(i));
    await until(() => (d.stats().webhook?.failures ?? 0) >= 2);
    expect(d.stats().webhook?.depth).toBe(5);
    expect(await d.flush(50)).toBe(false);
    const srv = await hook(port);
    for (let i = 5; i < 8; i++) await d.submit(envelope(i));
    expect(await d.flush(10_000)).toBe(true);
    expect(uniqueIds(srv)).toEqual(ids(8));
    expect(srv.accepted).toHaveLength(8);
    expect(s.depth('webhook')).toBe(0);
    expect(d.stats().webhook).toMatchObject({ depth: 0, delivered: 8 });
  });

  test('flush retries an output that is waiting out a long backoff at once', async () => {
    const { sink, ctl } = memorySink('webhook', true);
    ctl.fail = new HemsError('OUTPUT_RETRYABLE', 'down');
    const d = createDelivery({ store: store(), sinks: [sink], backoff: { baseMs: 60_000, maxMs: 60_000 } });
    cleanups.push(() => d.close());
    await d.submit(envelope(1));
    await until(() => (d.stats().webhook?.failures ?? 0) >= 1);
    ctl.fail = null; // back, but the drainer would sleep 60 s before trying again
    expect(await d.flush(5_000)).toBe(true);
    expect(ctl.got.map((e) => e.id)).toEqual([envelope(1).id]);
  });

  test('500 then 200: the reading is retried with the same id and arrives once', async () => {
    const srv = await hook();
    let n = 0;
    srv.respond(() => (++n <= 2 ? { status: 500 } : { status: 200 }));
    const d = delivery({ store: store(), sinks: [createWebhookSink({ url: srv.url })] });
    await d.submit(envelope(1));
    await d.submit(envelope(2));
    expect(await d.flush(10_000)).toBe(true);
    expect(srv.received.map((r) => r.id)).toEqual([
      envelope(1).id,
      envelope(1).id,
      envelope(1).id,
      envelope(2).id,
    ]);
    // Delivering again: not failing any more, the last error kept as history.
    expect(d.stats().webhook).toMatchObject({ delivered: 2, failures: 2, failing: false });
    expect(d.stats().webhook?.lastError).toContain('HTTP 500');
  });

  test('400 is reported once as a configuration error and retried slowly; other outputs go on', async () => {
    const srv = await hook();
    srv.respond(() => ({ status: 400, body: 'bad token' }));
    const logger = captureLogger();
    const local = memorySink('stdout', false);
    const d = delivery({
      store: store(),
      logger,
      slowRetryMs: 150,
      sinks: [createWebhookSink({ url: srv.url }), local.sink],
    });
    for (let i = 0; i < 3; i++) await d.submit(envelope(i));
    expect(local.ctl.got.map((e) => e.id)).toEqual(ids(3));
    await srv.waitFor((s) => s.received.length >= 3);
    const errors = logger.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toContain('configuration problem');
    // Still the first reading: order is kept while the destination refuses.
    expect(new Set(srv.received.map((r) => r.id))).toEqual(new Set([envelope(0).id]));
    expect(d.stats().webhook).toMatchObject({ failing: true, depth: 3 });
    expect(d.stats().stdout).toMatchObject({ failing: false, depth: 0 });
    srv.respond(() => ({ status: 200 }));
    expect(await d.flush(10_000)).toBe(true);
    expect(uniqueIds(srv)).toEqual(ids(3));
    expect(d.stats().webhook).toMatchObject({ failing: false, depth: 0 });
  });

  test('a slow remote output does not hold up a local one', async () => {
    const srv = await hook();
    srv.respond(() => 'hang');
    const local = memorySink('file', false);
    const d = delivery({
      store: store(),
      sinks: [createWebhookSink({ url: srv.url, timeoutMs: 30_000 }), local.sink],
      closeGraceMs: 50,
    });
    for (let i = 0; i < 4; i++) await d.submit(envelope(i));
    expect(local.ctl.got.map((e) => e.id)).toEqual(ids(4));
    expect(d.stats().webhook?.depth).toBe(4);
  });

  test('a failing local output retries at the next submit and keeps order', async () => {
    const local = memorySink('stdout', false);
    const d = delivery({ store: store(), sinks: [local.sink] });
    await d.submit(envelope(0));
    local.ctl.fail = new HemsError('OUTPUT_RETRYABLE', 'disk full');
    await d.submit(envelope(1));
    await d.submit(envelope(2));
    expect(local.ctl.got.map((e) => e.id)).toEqual(ids(1));
    expect(d.stats().stdout).toMatchObject({ depth: 2, failures: 2 });
    local.ctl.fail = null;
    await d.submit(envelope(3));
    expect(local.ctl.got.map((e) => e.id)).toEqual(ids(4));
    expect(d.stats().stdout?.depth).toBe(0);
  });

  test('a restart with a non-empty outbox drains it first, in order', async () => {
    const dir = tempDir('hems-delivery-');
    const port = await freePort();
    const s1 = openStore({ dir });
    const d1 = createDelivery({
      store: s1,
      backoff: { baseMs: 20, maxMs: 50 },
      sinks: [createWebhookSink({ url: `http://127.0.0.1:${port}/hook` })],
    });
    for (let i = 0; i < 6; i++) await d1.submit(envelope(i));
    await d1.close();
    s1.close();

    const srv = await hook(port);
    const logger = captureLogger();
    const s2 = store(dir);
    expect(s2.depth('webhook')).toBe(6);
    const d2 = delivery({ store: s2, logger, sinks: [createWebhookSink({ url: srv.url })] });
    await d2.submit(envelope(6));
    expect(await d2.flush(10_000)).toBe(true);
    expect(uniqueIds(srv)).toEqual(ids(7));
    expect(logger.lines.some((l) => l.msg.includes('6 undelivered reading(s) from a previous run'))).toBe(
      true,
    );
  });

  test('when the store fails, readings are delivered from memory and the store error is logged', async () => {
    const s = store(tempDir('hems-delivery-'), { maxPages: 12 });
    const logger = captureLogger();
    const local = memorySink('stdout', false);
    const remote = memorySink('webhook', true);
    const d = delivery({ store: s, logger, sinks: [local.sink, remote.sink] });
    const n = 200;
    for (let i = 0; i < n; i++) await d.submit(envelope(i));
    expect(logger.lines.some((l) => l.level === 'error' && l.msg.includes('could not store reading'))).toBe(
      true,
    );
    expect(await d.flush(10_000)).toBe(true);
    expect(local.ctl.got.map((e) => e.id)).toEqual(ids(n));
    expect(remote.ctl.got.map((e) => e.id)).toEqual(ids(n));
  });

  test('readings held in memory go into the store, in order, once it works again', async () => {
    const real = store();
    let broken = false;
    const flaky: Store = {
      ...real,
      insert(env, outputs) {
        if (broken) throw new HemsError('STORE_FAILED', 'disk full');
        return real.insert(env, outputs);
      },
    };
    const remote = memorySink('webhook', true);
    remote.ctl.fail = new HemsError('OUTPUT_RETRYABLE', 'down');
    const d = delivery({ store: flaky, sinks: [remote.sink], backoff: { baseMs: 10_000, maxMs: 10_000 } });
    await d.submit(envelope(0));
    broken = true;
    await d.submit(envelope(1));
    await d.submit(envelope(2));
    expect(real.depth('webhook')).toBe(1);
    expect(d.stats().webhook?.depth).toBe(3);
    broken = false;
    await d.submit(envelope(3));
    expect(real.peek('webhook', 10).map((r) => r.env.id)).toEqual(ids(4));
    expect(d.stats().webhook?.depth).toBe(4);
  });

  test('readings delivered while the disk was full all reach the history once it has room', async () => {
    // A real SQLITE_FULL: the file is filled up to the connection's max_page_count, then space
    // is freed inside it (what deleting old files does for a real disk).
    const dir = tempDir('hems-delivery-');
    openStore({ dir }).close();
    const raw = new Database(join(dir, 'hems.db'));
    cleanups.push(() => raw.close());
    raw.exec('CREATE TABLE filler (b BLOB)');
    raw.prepare('INSERT INTO filler VALUES (?)').run(Buffer.alloc(100_000));
    const pages = raw.pragma('page_count', { simple: true }) as number;
    const s = live({ dir, maxPages: pages + 3 });
    const local = memorySink('stdout', false);
    const remote = memorySink('webhook', true);
    remote.ctl.fail = new HemsError('OUTPUT_RETRYABLE', 'down');
    const d = delivery({
      store: s,
      sinks: [local.sink, remote.sink],
      storeBackoff: { baseMs: 10, maxMs: 20 },
    });
    const n = 40;
    for (let i = 0; i < n; i++) await d.submit(envelope(i));
    expect(s.status()).toMatchObject({ up: false, problem: expect.stringMatching(/^disk full at/) });
    const storedWhileFull = s.query().length;
    expect(storedWhileFull).toBeLessThan(n);
    expect(local.ctl.got.map((e) => e.id)).toEqual(ids(n));
    expect(d.stats().webhook?.depth).toBe(n);
    raw.exec('DROP TABLE filler');
    remote.ctl.fail = null;
    expect(await d.flush(10_000)).toBe(true);
    expect(s.status().up).toBe(true);
    expect(s.query().map((e) => e.id)).toEqual(ids(n));
    expect(remote.ctl.got.map((e) => e.id)).toEqual(ids(n));
    expect(local.ctl.got).toHaveLength(n);
    expect(s.depth('stdout') + s.depth('webhook')).toBe(0);
  });

  test('a held reading in flight when it is written is not delivered again from its outbox row', async () => {
    const real = store();
    let broken = true;
    const flaky: Store = {
      ...real,
      insert(env, outputs) {
        if (broken) throw new HemsError('STORE_FAILED', 'disk full');
        return real.insert(env, outputs);
      },
    };
    const got: string[] = [];
    let release: (() => void) | null = null;
    const sink: Sink = {
      name: 'webhook',
      remote: true,
      async deliver(env) {
        if (got.length === 0) await new Promise<void>((r) => (release = r));
        got.push(env.id);
      },
      async stop() {},
    };
    const d = delivery({ store: flaky, sinks: [sink] });
    await d.submit(envelope(0));
    await until(() => release !== null);
    broken = false;
    await d.submit(envelope(1)); // writes the held reading 0, with a row for the webhook
    expect(real.depth('webhook')).toBe(2);
    (release as unknown as () => void)();
    expect(await d.flush(10_000)).toBe(true);
    expect(got).toEqual(ids(2));
    expect(real.depth('webhook')).toBe(0);
  });

  test('an outbox row that cannot be decoded is set aside; the output delivers the rest and counts it', async () => {
    const dir = tempDir('hems-delivery-');
    const s = store(dir);
    const remote = memorySink('webhook', true);
    remote.ctl.fail = new HemsError('OUTPUT_RETRYABLE', 'down');
    const d = delivery({ store: s, sinks: [remote.sink] });
    for (let i = 0; i < 3; i++) await d.submit(envelope(i));
    const raw = new Database(join(dir, 'hems.db'));
    raw.prepare('UPDATE readings SET payload = ? WHERE id = ?').run('{broken', envelope(1).id);
    raw.close();
    remote.ctl.fail = null;
    expect(await d.flush(10_000)).toBe(true);
    expect(remote.ctl.got.map((e) => e.id)).toEqual([envelope(0).id, envelope(2).id]);
    expect(d.stats().webhook).toMatchObject({ depth: 0, delivered: 2, deadLetters: 1 });
  });

  test('a database deleted under a waiting output: its undelivered readings still arrive, once, in order', async () => {
    const dir = tempDir('hems-delivery-');
    const s = live({ dir });
    const remote = memorySink('webhook', true);
    remote.ctl.fail = new HemsError('OUTPUT_RETRYABLE', 'down');
    const d = delivery({ store: s, sinks: [remote.sink] });
    for (let i = 0; i < 3; i++) await d.submit(envelope(i));
    await until(() => (d.stats().webhook?.failures ?? 0) >= 1);
    unlinkSync(join(dir, 'hems.db'));
    await d.submit(envelope(3));
    remote.ctl.fail = null;
    expect(await d.flush(10_000)).toBe(true);
    expect(remote.ctl.got.map((e) => e.id)).toEqual(ids(4));
  });

  test('the outbox cap shows in stats as dropped', async () => {
    const remote = memorySink('webhook', true);
    remote.ctl.fail = new HemsError('OUTPUT_RETRYABLE', 'down');
    const d = delivery({ store: store(tempDir('hems-delivery-'), { outboxMax: 2 }), sinks: [remote.sink] });
    for (let i = 0; i < 5; i++) await d.submit(envelope(i));
    expect(d.stats().webhook).toMatchObject({ depth: 2, dropped: 3 });
    remote.ctl.fail = null;
    expect(await d.flush(10_000)).toBe(true);
    expect(remote.ctl.got.map((e) => e.id)).toEqual(ids(2, 3));
  });

  test('a duplicate submit (same id) is delivered once', async () => {
    const local = memorySink('stdout', false);
    const d = delivery({ store: store(), sinks: [local.sink] });
    await d.submit(envelope(1));
    await d.submit(envelope(1));
    expect(local.ctl.got).toHaveLength(1);
  });

  test('close does not wait out its grace for a sink whose start fails as it is stopped', async () => {
    const logger = captureLogger();
    const local = memorySink('file', false);
    let abandon: ((e: Error) => void) | null = null;
    local.sink.start = () => new Promise<void>((_, reject) => (abandon = reject));
    local.sink.stop = async () => abandon?.(new Error('stopped while starting'));
    const d = createDelivery({ store: store(), sinks: [local.sink], logger, closeGraceMs: 600_000 });
    await until(() => abandon !== null);
    await d.close(); // with the grace waited out, the test's own timeout fails it
    expect(logger.lines.filter((l) => l.level !== 'debug' && l.msg.includes('will retry'))).toEqual([]);
  }, 20_000);

  test('a sink whose start fails is retried with backoff', async () => {
    const remote = memorySink('gcloud', true);
    let starts = 0;
    remote.sink.start = async () => {
      if (++starts < 3) throw new HemsError('OUTPUT_RETRYABLE', 'no credentials yet');
    };
    const d = delivery({ store: store(), sinks: [remote.sink] });
    await d.submit(envelope(1));
    expect(await d.flush(10_000)).toBe(true);
    expect(starts).toBe(3);
    expect(remote.ctl.got.map((e) => e.id)).toEqual(ids(1, 1));
  });
});
