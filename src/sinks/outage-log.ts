import { describeError, isOutputFailure } from '../errors.js';
import type { Logger } from '../log.js';

/** Longest failure cause in a log line: the line stays readable, whatever a library put in it. */
const CAUSE_MAX_CHARS = 160;

/** The first line of a failure, whitespace collapsed, cut to CAUSE_MAX_CHARS. An output's own
 *  failure is its message alone: the line already says which output failed. */
export function cause(e: unknown): string {
  const text = (isOutputFailure(e) ? e.message : describeError(e)).replace(/\s+/g, ' ').trim();
  return clip(text, CAUSE_MAX_CHARS);
}

/** `text` cut to `max` characters, an ellipsis marking the cut. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** 20.4 s, 12.5 min, 3.2 h. */
function duration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/**
 * What one output's outages look like in the log: the first failed attempt in one line at once,
 * repeats as debug lines with a reminder every `remindEveryMs`, a rejection once per cause, and
 * one line when it delivers again, given once the backlog is through, with the time down, the
 * failed attempts and the readings caught up.
 */
export class OutageLog {
  /** Failed attempts in a row; the retry backoff follows it. */
  attempts = 0;
  /** The outage in progress: since its first failed attempt; when it was last reminded of. */
  private down: { since: number; remindedAt: number } | null = null;
  /** Delivering again after an outage, the backlog not through yet. */
  private back: { downMs: number; attempts: number; caughtUp: number } | null = null;
  private readonly rejections = new Set<string>();

  constructor(
    private readonly output: string,
    private readonly log: Logger,
    private readonly remindEveryMs: number,
  ) {}

  /** A failed attempt, `rejected` when a retry cannot fix it; `depth` for the warning line. */
  failed(msg: string, rejected: boolean, depth: () => number): void {
    this.attempts++;
    this.caughtUp(); // a recovery cut short still gets its line
    const now = Date.now();
    if (!this.down) this.down = { since: now, remindedAt: now };
    const name = this.output;
    if (rejected) {
      if (!this.rejections.has(msg)) {
        this.rejections.add(msg);
        this.log.error(`output ${name} rejected a reading, will retry slowly: ${msg}`);
      }
    } else if (this.attempts === 1) {
      this.log.warn(`output ${name} failed, will retry: ${msg}`, { depth: depth() });
    } else if (now - this.down.remindedAt >= this.remindEveryMs) {
      this.down.remindedAt = now;
      this.log.warn(
        `output ${name} still failing after ${this.attempts} attempt(s), ${duration(now - this.down.since)} down: ${msg}`,
        { depth: depth() },
      );
    } else {
      this.log.debug(`output ${name} still failing (attempt ${this.attempts}): ${msg}`);
    }
  }

  /** An attempt went through. */
  delivered(): void {
    if (this.down) {
      this.back = { downMs: Date.now() - this.down.since, attempts: this.attempts, caughtUp: 0 };
      this.down = null;
    }
    if (this.back) this.back.caughtUp++;
    this.attempts = 0;
  }

  /** Nothing left to deliver now: the recovery, if there was one, in one line. */
  caughtUp(): void {
    const b = this.back;
    if (!b) return;
    this.log.info(
      `output ${this.output}: delivering again after ${duration(b.downMs)} down and ${b.attempts} failed attempt(s); ${b.caughtUp} reading(s) caught up`,
    );
    this.back = null;
  }
}
