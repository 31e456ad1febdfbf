import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log.js';
import {
  createNotifier,
  type NotifyChild,
  notifyArgs,
  watchdogIntervalMs,
} from '../../src/service/sd-notify.js';
import { until } from '../support/wait.js';

class FakeChild extends EventEmitter implements NotifyChild {
  unref(): void {}
}

function fakeSpawn(autoExit = true) {
  const calls: { command: string; args: string[]; child: FakeChild }[] = [];
  const spawnFn = (command: string, args: string[]): FakeChild => {
    const child = new FakeChild();
    calls.push({ command, args, child });
    if (autoExit) queueMicrotask(() => child.emit('exit', 0));
    return child;
  };
  return { calls, spawnFn };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('notifyArgs / watchdogIntervalMs', () => {
  it('builds the systemd-notify arguments for each message', () => {
    expect(notifyArgs('ready')).toEqual(['--ready']);
    expect(notifyArgs('watchdog')).toEqual(['WATCHDOG=1']);
    expect(notifyArgs('stopping')).toEqual(['STOPPING=1']);
  });

  it('pings at half of WATCHDOG_USEC, only for the process systemd watches', () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '120000000' }, 42)).toBe(60_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '120000000', WATCHDOG_PID: '42' }, 42)).toBe(60_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '120000000', WATCHDOG_PID: '7' }, 42)).toBeNull();
    expect(watchdogIntervalMs({}, 42)).toBeNull();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: 'soon' }, 42)).toBeNull();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '1000' }, 42)).toBeNull();
  });
});

describe('createNotifier', () => {
  it('does nothing at all without NOTIFY_SOCKET', () => {
    vi.useFakeTimers();
    const { calls, spawnFn } = fakeSpawn();
    const n = createNotifier({ env: { WATCHDOG_USEC: '2000000' }, spawn: spawnFn });
    n.ready();
    n.watchdog();
    n.stopping();
    const stop = n.startWatchdogTimer();
    vi.advanceTimersByTime(10_000);
    stop();
    expect(calls).toEqual([]);
  });

  it('spawns systemd-notify with the right arguments when NOTIFY_SOCKET is set', async () => {
    const { calls, spawnFn } = fakeSpawn();
    const n = createNotifier({ env: { NOTIFY_SOCKET: '/run/systemd/notify' }, spawn: spawnFn });
    n.ready();
    n.stopping();
    await Promise.resolve();
    n.watchdog();
    expect(calls.map((c) => [c.command, ...c.args])).toEqual([
      ['systemd-notify', '--ready'],
      ['systemd-notify', 'STOPPING=1'],
      ['systemd-notify', 'WATCHDOG=1'],
    ]);
  });

  it('pings the watchdog on a timer until stopped, never two pings at once', async () => {
    vi.useFakeTimers();
    const { calls, spawnFn } = fakeSpawn(false);
    const n = createNotifier({
      env: { NOTIFY_SOCKET: '@notify', WATCHDOG_USEC: '2000000' },
      spawn: spawnFn,
      pid: 1,
    });
    const stop = n.startWatchdogTimer();
    vi.advanceTimersByTime(1000);
    expect(calls).toHaveLength(1);
    // The first systemd-notify has not finished: the next tick is skipped.
    vi.advanceTimersByTime(1000);
    expect(calls).toHaveLength(1);
    calls[0]?.child.emit('exit', 0);
    vi.advanceTimersByTime(1000);
    expect(calls).toHaveLength(2);
    calls[1]?.child.emit('exit', 0);
    stop();
    vi.advanceTimersByTime(5000);
    expect(calls).toHaveLength(2);
    expect(calls.every((c) => c.args[0] === 'WATCHDOG=1')).toBe(true);
  });

  it('returns a harmless stop function when the watchdog is off', () => {
    const { calls, spawnFn } = fakeSpawn();
    const n = createNotifier({ env: { NOTIFY_SOCKET: '@notify' }, spawn: spawnFn });
    const stop = n.startWatchdogTimer();
    expect(() => stop()).not.toThrow();
    expect(calls).toEqual([]);
  });

  it('warns once, and does not throw, when systemd-notify cannot be started', async () => {
    const lines: string[] = [];
    const warned = new Promise<void>((resolve) => {
      const logger = createLogger({
        level: 'warn',
        write: (line) => {
          lines.push(line);
          resolve();
        },
      });
      const n = createNotifier({
        env: { NOTIFY_SOCKET: '@notify' },
        command: '/nonexistent/systemd-notify',
        logger,
      });
      n.ready();
      n.stopping();
    });
    await warned;
    await new Promise((r) => setTimeout(r, 0));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('systemd notification failed');
  });
});

describe('createNotifier with the real systemd-notify', () => {
  it('delivers READY=1 and WATCHDOG=1 to the NOTIFY_SOCKET datagram socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hems-notify-'));
    const socketPath = join(dir, 'notify.sock');
    // A stand-in for systemd's notification socket (Node cannot bind unix datagram sockets).
    const receiver = spawn('python3', [
      '-u',
      '-c',
      [
        'import socket, sys',
        's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
        's.bind(sys.argv[1])',
        'print("BOUND", flush=True)',
        'while True:',
        '    print(s.recv(4096).decode(), flush=True)',
      ].join('\n'),
      socketPath,
    ]);
    let out = '';
    receiver.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const waitFor = (text: string) =>
      until(
        () => out.includes(text),
        () => `${text}; got: ${out}`,
      );
    try {
      await waitFor('BOUND');
      const n = createNotifier({ env: { NOTIFY_SOCKET: socketPath } });
      n.ready();
      await waitFor('READY=1');
      n.watchdog();
      await waitFor('WATCHDOG=1');
      n.stopping();
      await waitFor('STOPPING=1');
    } finally {
      receiver.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
