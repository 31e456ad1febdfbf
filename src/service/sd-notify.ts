/**
 * systemd readiness and watchdog notifications (sd_notify(3)). Node has no unix datagram
 * sockets, so each message is sent by spawning `systemd-notify`; the unit therefore sets
 * NotifyAccess=all (the sender is a child process). systemd-notify waits until systemd has
 * processed the message (its BARRIER=1), so the child does not exit before systemd can tell
 * which service it belongs to. Without NOTIFY_SOCKET (not started by systemd, or Type=simple)
 * everything here does nothing.
 */
import { spawn as nodeSpawn } from 'node:child_process';
import type { Logger } from '../log.js';

export interface Notifier {
  /** READY=1: start-up finished (Type=notify units stay "activating" until this). */
  ready(): void;
  /** WATCHDOG=1: the process is alive; systemd restarts it when these stop for WatchdogSec. */
  watchdog(): void;
  /** STOPPING=1: shutdown has begun. */
  stopping(): void;
  /** Sends WATCHDOG=1 every half WatchdogSec while running; returns the function that stops it. */
  startWatchdogTimer(): () => void;
}

export type NotifyKind = 'ready' | 'watchdog' | 'stopping';

export interface NotifyChild {
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'exit', listener: (code: number | null) => void): unknown;
  unref(): void;
}

export type SpawnNotify = (command: string, args: string[], env: NodeJS.ProcessEnv) => NotifyChild;

export interface NotifierOptions {
  env?: NodeJS.ProcessEnv;
  pid?: number;
  command?: string;
  spawn?: SpawnNotify;
  logger?: Logger;
}

/** The systemd-notify arguments for one message. */
export function notifyArgs(kind: NotifyKind): string[] {
  switch (kind) {
    case 'ready':
      return ['--ready'];
    case 'watchdog':
      return ['WATCHDOG=1'];
    case 'stopping':
      return ['STOPPING=1'];
  }
}

/**
 * Milliseconds between watchdog pings: half of WATCHDOG_USEC, as sd_watchdog_enabled(3)
 * advises; null when the watchdog is off or meant for another process (WATCHDOG_PID).
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number): number | null {
  const usec = env['WATCHDOG_USEC'];
  if (!usec || !/^[0-9]+$/.test(usec)) return null;
  const watchdogPid = env['WATCHDOG_PID'];
  if (watchdogPid && watchdogPid !== String(pid)) return null;
  const ms = Math.floor(Number(usec) / 2000);
  return ms >= 1 ? ms : null;
}

const defaultSpawn: SpawnNotify = (command, args, env) => nodeSpawn(command, args, { stdio: 'ignore', env });

export function createNotifier(opts: NotifierOptions = {}): Notifier {
  const env = opts.env ?? process.env;
  const pid = opts.pid ?? process.pid;
  const command = opts.command ?? 'systemd-notify';
  const spawn = opts.spawn ?? defaultSpawn;
  const enabled = Boolean(env['NOTIFY_SOCKET']);
  let warned = false;
  let watchdogInFlight = false;

  const send = (kind: NotifyKind, done?: () => void): void => {
    if (!enabled) return;
    let child: NotifyChild;
    try {
      child = spawn(command, notifyArgs(kind), env);
    } catch (err) {
      fail(err);
      done?.();
      return;
    }
    child.on('error', (err) => {
      fail(err);
      done?.();
    });
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) opts.logger?.debug(`${command} ${kind} exited with ${code}`);
      done?.();
    });
    // A pending notification must never keep the process alive at shutdown.
    child.unref();
  };

  const fail = (err: unknown): void => {
    if (warned) return;
    warned = true;
    const msg = err instanceof Error ? err.message : String(err);
    opts.logger?.warn(`systemd notification failed (${command}): ${msg}`);
  };

  const watchdog = (): void => {
    // One ping at a time: a slow systemd-notify must not pile up children.
    if (watchdogInFlight) return;
    watchdogInFlight = true;
    send('watchdog', () => {
      watchdogInFlight = false;
    });
  };

  return {
    ready: () => send('ready'),
    watchdog,
    stopping: () => send('stopping'),
    startWatchdogTimer: () => {
      const interval = enabled ? watchdogIntervalMs(env, pid) : null;
      if (interval === null) return () => {};
      const timer = setInterval(watchdog, interval);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
