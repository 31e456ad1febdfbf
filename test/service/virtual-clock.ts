import type { Clock } from '../../src/service/clock.js';

/** Virtual time: sleep jumps the clock at once; a tick "takes time" by calling advance(). */
export class VirtualClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    this.sleeps.push(ms);
    this.t += ms;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
