import { HemsError } from '../errors.js';

/** A bounded, abortable pause (backoff between retries; never used to wait for an event). */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new HemsError('ABORTED', 'aborted'));
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new HemsError('ABORTED', 'aborted'));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A level-triggered "something changed" signal: waiters re-check their condition after every
 * notify(); wait() resolves false on timeout.
 */
export class Notifier {
  private waiters = new Set<() => void>();

  notify(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }

  wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (v: boolean): void => {
        clearTimeout(t);
        this.waiters.delete(wake);
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const wake = (): void => done(true);
      const onAbort = (): void => done(true);
      const t = setTimeout(() => done(false), Math.max(0, ms));
      this.waiters.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** `p`'s value, or null once `ms` passed or `signal` aborted (the timer is always cleared). */
export function withTimeout<T>(p: Promise<T>, ms: number, signal?: AbortSignal): Promise<T | null> {
  return new Promise<T | null>((resolve, reject) => {
    const finish = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      finish();
      resolve(null);
    };
    const t = setTimeout(onAbort, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        finish();
        resolve(v);
      },
      (e: unknown) => {
        finish();
        reject(e);
      },
    );
  });
}
