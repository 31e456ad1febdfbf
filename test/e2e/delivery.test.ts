import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { READING_KEYS } from '../../src/reading/record.js';
import { tempDir } from '../support/cli.js';
import { type Received, startHookServer } from '../support/http-server.js';
import { freePort } from '../support/net.js';
import { startFakePubSub } from '../support/pubsub-server.js';
import { startForwarder } from '../support/tcp-forwarder.js';
import { collect, exported, loggedTimes, stderrLines } from './harness.js';

/**
 * Delivery guarantees (issue 6) through the built CLI: the emulator (`--port sim`) gives a
 * reading a second, a real HTTP receiver or gRPC Pub/Sub server plays the destination, and
 * `export` (the store) is the ground truth of what was read.
 */

const timeOf = (line: string): string => (JSON.parse(line) as { timestamp: string }).timestamp;

/** The requests a receiver keeps after dropping repeats of a reading id (first one wins). */
function dedupe(rs: Received[]): Received[] {
  const seen = new Map<string, Received>();
  for (const r of rs) {
    const id = r.id ?? '';
    const first = seen.get(id);
    if (first && first.body !== r.body) throw new Error(`reading id ${id} came with two different bodies`);
    if (!first) seen.set(id, r);
  }
  return [...seen.values()];
}

describe.concurrent('delivery guarantees through the built CLI', () => {
  it('a webhook down for several cycles gets every reading, in order, once after de-duplication', async ({
    expect,
  }) => {
    const dir = tempDir();
    const port = await freePort();
    const run = collect(dir, ['-o', 'webhook', '--webhook-url', `http://127.0.0.1:${port}/hook`]);
    try {
      await run.until(() => loggedTimes(run).length >= 4, 'four readings with the webhook down');
      expect(run.stderr()).toMatch(/output webhook failed, will retry: .*unreachable/);
      const hook = await startHookServer(port);
      try {
        const takenWhileDown = loggedTimes(run).length;
        await hook.waitFor((s) => s.accepted.length >= takenWhileDown + 1, 25_000);
        expect(run.child.exitCode).toBeNull();
        expect(await run.stop()).toBe(0);
        const stored = await exported(dir);
        expect(stored.map(timeOf)).toEqual(loggedTimes(run));
        const kept = dedupe(hook.accepted);
        expect(kept.map((r) => r.body)).toEqual(stored);
        expect(new Set(kept.map((r) => r.id)).size).toBe(stored.length);
        expect(run.stderr()).toMatch(
          /output webhook: delivering again after \d+\.\d s down and \d+ failed attempt\(s\); \d+ reading\(s\) caught up/,
        );
      } finally {
        await hook.close();
      }
    } finally {
      await run.stop();
    }
  });

  it('a 500 answer is retried and the reading then arrives', async ({ expect }) => {
    const dir = tempDir();
    const hook = await startHookServer(0, (_r, n) =>
      n === 1 ? { status: 500, body: 'boom' } : { status: 200 },
    );
    const run = collect(dir, ['-o', 'webhook', '--webhook-url', hook.url]);
    try {
      await hook.waitFor((s) => s.accepted.length >= 2, 20_000);
      expect(await run.stop()).toBe(0);
      const first = hook.received[0] as Received;
      expect(hook.received[1]?.id).toBe(first.id);
      expect(hook.received[1]?.body).toBe(first.body);
      expect(hook.accepted[0]?.id).toBe(first.id);
      expect(run.stderr()).toMatch(/output webhook failed, will retry: webhook \S+ answered HTTP 500: boom/);
      const stored = await exported(dir);
      expect(dedupe(hook.accepted).map((r) => r.body)).toEqual(stored);
    } finally {
      await run.stop();
      await hook.close();
    }
  });

  it('signs the exact body with WEBHOOK_SECRET, sends the bearer token and the extra headers', async ({
    expect,
  }) => {
    const dir = tempDir();
    const secret = 'e2e-shared-secret-9f3a';
    const token = 'e2e-token-77c1';
    const verified: boolean[] = [];
    const hook = await startHookServer(0, (r) => {
      const want = `sha256=${createHmac('sha256', secret).update(r.body, 'utf8').digest('hex')}`;
      const ok = r.headers['x-hems-signature'] === want;
      verified.push(ok);
      return ok ? { status: 200 } : { status: 401, body: 'bad signature' };
    });
    const run = collect(dir, ['-o', 'webhook', '--webhook-url', hook.url, '--debug'], {
      WEBHOOK_SECRET: secret,
      WEBHOOK_TOKEN: token,
      WEBHOOK_HEADERS: 'X-Site: home-1; X-Extra: yes',
    });
    try {
      await hook.waitFor((s) => s.accepted.length >= 2, 20_000);
      expect(await run.stop()).toBe(0);
      expect(verified.slice(0, 2)).toEqual([true, true]);
      for (const r of hook.accepted) {
        expect(r.headers.authorization).toBe(`Bearer ${token}`);
        expect(r.headers['content-type']).toBe('application/json');
        expect(r.headers['x-site']).toBe('home-1');
        expect(r.headers['x-extra']).toBe('yes');
        expect(r.id).toMatch(/\S/);
        expect(Object.keys(JSON.parse(r.body) as object)).toEqual([...READING_KEYS]);
      }
      expect(run.stderr() + run.stdout()).not.toContain(secret);
      expect(run.stderr() + run.stdout()).not.toContain(token);
    } finally {
      await run.stop();
      await hook.close();
    }
  });

  it('a 404 is one loud configuration-problem line; collecting goes on and nothing is lost', async ({
    expect,
  }) => {
    const dir = tempDir();
    const hook = await startHookServer(0, () => ({ status: 404, body: 'no such hook' }));
    const run = collect(dir, ['-o', 'webhook', '--webhook-url', hook.url]);
    try {
      await hook.waitFor((s) => s.received.length >= 1, 20_000);
      await run.until(() => stderrLines(run, /configuration problem/).length >= 1, 'the 404 report');
      const before = loggedTimes(run).length;
      await run.until(() => loggedTimes(run).length >= before + 3, 'three more readings after the 404');
      expect(await run.stop()).toBe(0);
      const loud = stderrLines(run, /configuration problem/);
      expect(loud).toHaveLength(1);
      expect(loud[0]).toMatch(/ERROR .*HTTP 404.*WEBHOOK_URL/);
      // Retried slowly (minutes), not hammered every cycle.
      expect(hook.received).toHaveLength(1);
      const stored = await exported(dir);
      expect(stored.map(timeOf)).toEqual(loggedTimes(run));
      expect(stored.length).toBeGreaterThanOrEqual(before + 3);
    } finally {
      await run.stop();
      await hook.close();
    }
  });

  it('publishes to Pub/Sub (gRPC) with the JSON reading as data and id and meter as attributes', async ({
    expect,
  }) => {
    const dir = tempDir();
    const pubsub = await startFakePubSub();
    pubsub.topics.add('projects/e2e-proj/topics/readings');
    const run = collect(dir, ['-o', 'gcloud', '--gcp-project', 'e2e-proj', '--gcp-topic', 'readings'], {
      PUBSUB_EMULATOR_HOST: pubsub.host,
    });
    try {
      await run.until(() => pubsub.messages.length >= 2, 'two published messages');
      expect(await run.stop()).toBe(0);
      const meter = /"meter":"([0-9A-F]{16})"/.exec(run.stderr())?.[1];
      expect(meter).toBeDefined();
      const stored = await exported(dir);
      expect(pubsub.messages.map((m) => m.data.toString('utf8'))).toEqual(stored);
      for (const m of pubsub.messages) {
        expect(m.topic).toBe('projects/e2e-proj/topics/readings');
        expect(m.attributes.meter).toBe(meter);
        expect(m.attributes.reading_id).toMatch(/\S/);
        expect(m.attributes.backfill).toBeUndefined();
      }
      expect(new Set(pubsub.messages.map((m) => m.attributes.reading_id)).size).toBe(pubsub.messages.length);
    } finally {
      await run.stop();
      await pubsub.close();
    }
  });

  it('Pub/Sub down for several cycles gets every reading, in order, once it is reachable', async ({
    expect,
  }) => {
    const dir = tempDir();
    const pubsub = await startFakePubSub();
    pubsub.topics.add('projects/e2e-proj/topics/readings');
    const port = await freePort();
    const run = collect(dir, ['-o', 'gcloud', '--gcp-project', 'e2e-proj', '--gcp-topic', 'readings'], {
      PUBSUB_EMULATOR_HOST: `127.0.0.1:${port}`,
    });
    try {
      await run.until(() => loggedTimes(run).length >= 4, 'four readings with Pub/Sub down');
      // Nothing listened on the port so far (connections refused); now it forwards to the server.
      const proxy = await startForwarder(pubsub.host, port);
      proxy.open();
      try {
        const takenWhileDown = loggedTimes(run).length;
        await run.until(() => pubsub.messages.length >= takenWhileDown + 1, 'the backlog published', 30_000);
        expect(await run.stop()).toBe(0);
        const stored = await exported(dir);
        const ids = new Set<string | undefined>();
        const kept = pubsub.messages.filter((m) => {
          if (ids.has(m.attributes.reading_id)) return false;
          ids.add(m.attributes.reading_id);
          return true;
        });
        expect(kept.map((m) => m.data.toString('utf8'))).toEqual(stored);
      } finally {
        await proxy.close();
      }
    } finally {
      await run.stop();
      await pubsub.close();
    }
  });

  it('after SIGTERM with a non-empty outbox, the next run delivers the earlier readings first, in order', async ({
    expect,
  }) => {
    const dir = tempDir();
    const port = await freePort();
    const first = collect(dir, ['-o', 'webhook', '--webhook-url', `http://127.0.0.1:${port}/hook`]);
    await first.until(() => loggedTimes(first).length >= 3, 'three readings with the webhook down');
    expect(await first.stop('SIGTERM')).toBe(0);
    const earlier = await exported(dir);
    expect(earlier.length).toBeGreaterThanOrEqual(3);

    const hook = await startHookServer();
    const second = collect(dir, ['-o', 'webhook', '--webhook-url', hook.url]);
    try {
      await hook.waitFor((s) => s.accepted.length >= earlier.length + 2, 20_000);
      expect(await second.stop()).toBe(0);
      expect(second.stderr()).toMatch(/output webhook: \d+ undelivered reading\(s\) from a previous run/);
      const kept = dedupe(hook.accepted).map((r) => r.body);
      expect(kept.slice(0, earlier.length)).toEqual(earlier);
      expect(kept).toEqual(await exported(dir));
    } finally {
      await second.stop();
      await hook.close();
    }
  });

  it('the shutdown flush retries a webhook that came back during a long backoff', async ({ expect }) => {
    const dir = tempDir();
    const port = await freePort();
    const run = collect(dir, ['-o', 'webhook', '--webhook-url', `http://127.0.0.1:${port}/hook`, '--debug']);
    try {
      // After the 4th failed attempt the next one is about 8 s away, longer than the 5 s flush.
      await run.until(() => /output webhook still failing \(attempt 4\)/.test(run.stderr()), 'attempt 4');
      const hook = await startHookServer(port);
      try {
        expect(await run.stop()).toBe(0);
        const stored = await exported(dir);
        expect(stored.length).toBeGreaterThanOrEqual(4);
        expect(dedupe(hook.accepted).map((r) => r.body)).toEqual(stored);
      } finally {
        await hook.close();
      }
    } finally {
      await run.stop();
    }
  });

  it('after kill -9 with a request in flight, nothing is lost and only that request repeats', async ({
    expect,
  }) => {
    const dir = tempDir();
    const hook = await startHookServer(0, () => 'hang');
    const first = collect(dir, ['-o', 'webhook', '--webhook-url', hook.url]);
    try {
      await hook.waitFor((s) => s.received.length >= 1, 20_000);
      await first.until(() => loggedTimes(first).length >= 3, 'three readings with the webhook hanging');
      first.child.kill('SIGKILL');
      await first.exit;
      expect(first.child.signalCode).toBe('SIGKILL');
      const earlier = await exported(dir);
      expect(earlier.length).toBeGreaterThanOrEqual(3);
      // Only the first reading was ever sent (the hung request, maybe retried after its timeout).
      const inFlight = hook.received[0]?.id;
      const sentInFirstRun = hook.received.length;
      expect(new Set(hook.received.map((r) => r.id))).toEqual(new Set([inFlight]));

      hook.respond(() => ({ status: 200 }));
      const second = collect(dir, ['-o', 'webhook', '--webhook-url', hook.url]);
      try {
        await hook.waitFor((s) => s.accepted.length >= earlier.length + 1, 20_000);
        expect(await second.stop()).toBe(0);
      } finally {
        await second.stop();
      }
      const kept = dedupe(hook.accepted).map((r) => r.body);
      expect(kept.slice(0, earlier.length)).toEqual(earlier);
      expect(kept).toEqual(await exported(dir));
      const counts = new Map<string | undefined, number>();
      for (const r of hook.received) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
      const repeated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
      expect(repeated).toEqual([inFlight]);
      expect(counts.get(inFlight)).toBe(sentInFirstRun + 1);
    } finally {
      await first.stop();
      await hook.close();
    }
  });

  it('a full outbox drops the oldest loudly; the newest arrive and export keeps every reading', async ({
    expect,
  }) => {
    const dir = tempDir();
    const port = await freePort();
    const run = collect(dir, [
      '-o',
      'webhook',
      '--webhook-url',
      `http://127.0.0.1:${port}/hook`,
      '--outbox-max',
      '3',
    ]);
    const full = /WARN .*outbox for webhook is full \(3 rows\): dropped the 1 oldest/;
    try {
      await run.until(() => stderrLines(run, full).length >= 2, 'two outbox-full warnings');
      const hook = await startHookServer(port);
      try {
        const takenWhileDown = loggedTimes(run).length;
        expect(takenWhileDown).toBeGreaterThanOrEqual(5);
        await hook.waitFor((s) => s.accepted.length >= 4, 25_000);
        expect(await run.stop()).toBe(0);
        const stored = await exported(dir);
        expect(stored.map(timeOf)).toEqual(loggedTimes(run));
        const kept = dedupe(hook.accepted).map((r) => r.body);
        // What arrives is the newest part of the history, without gaps, oldest of it first.
        const start = stored.indexOf(kept[0] as string);
        expect(kept).toEqual(stored.slice(start));
        // At most the 3 newest readings taken while the server was down survived the cap.
        expect(start).toBeGreaterThanOrEqual(takenWhileDown - 3);
        expect(stderrLines(run, full).length).toBeGreaterThanOrEqual(start);
      } finally {
        await hook.close();
      }
    } finally {
      await run.stop();
    }
  });

  it('stdout and file get every reading while the webhook hangs', async ({ expect }) => {
    const dir = tempDir();
    const file = join(dir, 'out.csv');
    const hook = await startHookServer(0, () => 'hang');
    const run = collect(dir, ['-o', 'stdout', 'file', 'webhook', '--webhook-url', hook.url, '--file', file]);
    const fileRows = (): string[] => {
      try {
        return readFileSync(file, 'utf8')
          .split('\n')
          .slice(1)
          .filter((l) => l !== '');
      } catch {
        return [];
      }
    };
    const stdoutLines = (): string[] =>
      run
        .stdout()
        .split('\n')
        .filter((l) => l !== '');
    try {
      await hook.waitFor((s) => s.received.length >= 1, 20_000);
      await run.until(
        () => stdoutLines().length >= 4 && fileRows().length >= 4,
        'four readings on stdout and in the file',
      );
      // The webhook is still stuck on the first reading.
      expect(new Set(hook.received.map((r) => r.id)).size).toBe(1);
      expect(hook.accepted).toHaveLength(0);
      expect(await run.stop()).toBe(0);
      const stored = await exported(dir);
      expect(stdoutLines()).toEqual(stored);
      expect(fileRows().map((l) => l.split(',')[0])).toEqual(stored.map(timeOf));
    } finally {
      await run.stop();
      await hook.close();
    }
  });
});
