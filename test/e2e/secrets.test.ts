/**
 * Secrets through the built CLI (issue 16): a secret of any length is masked, `--debug` serial
 * trace included, and a webhook URL whose path is the key shows as scheme and host only, in
 * the log and in the unauthenticated /api/latest.
 */
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/cli.js';
import { startHookServer } from '../support/http-server.js';
import { freePort } from '../support/net.js';
import { until } from '../support/wait.js';
import { collect, ID } from './harness.js';

describe('secrets in logs and in /api/latest', () => {
  it('masks a 3-character password in the --debug serial trace, as a whole word only', async () => {
    const run = collect(tempDir(), ['-o', 'stdout', '--debug'], { B_ROUTE_ID: ID, B_ROUTE_PASSWORD: 'a7Z' });
    try {
      await run.until(() => run.stdout().includes('\n'), 'a reading');
    } finally {
      expect(await run.stop()).toBe(0);
    }
    const err = run.stderr();
    expect(err).toContain('> SKSETPWD 3 ****');
    expect(err).toContain('> SKSETRBID ****');
    expect(err).not.toMatch(/(?<![A-Za-z0-9])a7Z(?![A-Za-z0-9])/);
    expect(err).not.toContain(ID.slice(-8));
  });

  it('shows a webhook URL as scheme and host only and masks a short token a receiver echoes', async () => {
    const hook = await startHookServer(0, () => ({ status: 401, body: 'invalid token tk9' }));
    const httpPort = await freePort();
    const path = '/services/T0000/B0000/XyzSecretPath';
    const run = collect(
      tempDir(),
      ['-o', 'webhook', '--webhook-url', `${hook.url}${path}`, '--http', `127.0.0.1:${httpPort}`],
      { B_ROUTE_ID: ID, B_ROUTE_PASSWORD: 'PASSWORD1234', WEBHOOK_TOKEN: 'tk9' },
    );
    try {
      await hook.waitFor((h) => h.received.length >= 1);
      let lastError = '';
      await until(async () => {
        const latest = (await (await fetch(`http://127.0.0.1:${httpPort}/api/latest`)).json()) as {
          outputs: { name: string; lastError: string | null }[];
        };
        lastError = latest.outputs.find((o) => o.name === 'webhook')?.lastError ?? '';
        return lastError !== '';
      }, 'the webhook failure in /api/latest');
      await run.until(() => run.stderr().includes('answered HTTP 401'), 'the failure in the log');
      expect(hook.received[0]?.headers.authorization).toBe('Bearer tk9');
      const origin = `http://127.0.0.1:${hook.port}`;
      expect(lastError).toContain(`webhook ${origin} answered HTTP 401: invalid token ****`);
      for (const text of [lastError, run.stderr()]) {
        expect(text).not.toContain('XyzSecretPath');
        expect(text).not.toContain('/services');
        expect(text).not.toMatch(/(?<![A-Za-z0-9])tk9(?![A-Za-z0-9])/);
      }
    } finally {
      expect(await run.stop()).toBe(0);
      await hook.close();
    }
  });
});
