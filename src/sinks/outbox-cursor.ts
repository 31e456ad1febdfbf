import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Envelope } from '../reading/record.js';
import { isStoreUnavailable } from '../store/live.js';
import type { OutboxRow, Store } from '../store/store.js';
import type { PendingWrites } from './pending.js';

/** An outbox row (with the store generation it was read from), or a reading held in memory. */
export type Item = { seq: number; gen: number; env: Envelope } | { seq: null; env: Envelope };

/** Ids remembered per output as delivered outside their outbox row; bounded. */
const SKIP_MAX = 10_000;

/** A store read that must not throw (the store may be unavailable): `fallback` instead. */
export function storeRead<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/**
 * Where one output is in its outbox: the rows read ahead, in order, then the readings held in
 * memory while the store fails (pending.ts). A row is acknowledged once delivered; an ack the
 * store refused is redone before the next read. A new database file under the same path (a new
 * generation) starts its seqs over: the position starts over with it.
 */
export class OutboxCursor {
  private rows: OutboxRow[] = [];
  private gen: number;
  private ackedSeq = 0;
  private unackedSeq: number | null = null;
  /** Readings this output delivered from memory (or from a file since replaced) whose outbox
   *  row may still turn up: acknowledged without sending them again. */
  private readonly skip = new Set<string>();
  private readonly reported = new Set<string>();

  constructor(
    private readonly output: string,
    private readonly store: Store,
    private readonly pending: PendingWrites,
    private readonly log: Logger,
    private readonly batch: number,
  ) {
    this.gen = this.generation();
  }

  /** The next reading to deliver, or null when there is none now. */
  next(): Item | null {
    this.followGeneration();
    if (this.unackedSeq !== null) this.ack(this.unackedSeq);
    while (true) {
      if (this.rows.length === 0) {
        try {
          this.rows = this.store.peek(this.output, this.batch).filter((r) => r.seq > this.ackedSeq);
        } catch (e) {
          this.trouble('read', e);
          this.rows = [];
        }
      }
      const row = this.rows.shift();
      if (!row) break;
      if (this.skip.delete(row.env.id)) {
        this.ackedSeq = row.seq;
        this.ack(row.seq);
        continue;
      }
      return { seq: row.seq, gen: this.gen, env: row.env };
    }
    const held = this.pending.held().find((h) => h.outputs.has(this.output));
    return held ? { seq: null, env: held.env } : null;
  }

  /** The output has `item`: its row is acknowledged, or remembered should it turn up later. */
  delivered(item: Item): void {
    if (item.seq === null) {
      // Written meanwhile (with a row for this output): that row must not send it again.
      if (!this.pending.delivered(item.env, this.output)) this.remember(item.env.id);
    } else if (item.gen !== this.generation()) {
      this.remember(item.env.id); // its row was carried into the new file
    } else {
      this.ackedSeq = item.seq;
      this.ack(item.seq);
    }
  }

  /** Drops the rows read ahead: after a failure they are read again. */
  rewind(): void {
    this.rows = [];
  }

  /** Undelivered readings: outbox rows plus those held in memory. */
  depth(): number {
    return storeRead(() => this.store.depth(this.output), 0) + this.heldHere();
  }

  isEmpty(): boolean {
    return this.heldHere() === 0 && storeRead(() => this.store.depth(this.output), 0) === 0;
  }

  private heldHere(): number {
    let n = 0;
    for (const h of this.pending.held()) if (h.outputs.has(this.output)) n++;
    return n;
  }

  private generation(): number {
    return storeRead(() => this.store.generation?.() ?? 0, 0);
  }

  private followGeneration(): void {
    const g = this.generation();
    if (g === this.gen) return;
    this.gen = g;
    this.rows = [];
    this.ackedSeq = 0;
    this.unackedSeq = null;
  }

  private ack(seq: number): void {
    try {
      this.store.ack(this.output, seq);
      this.unackedSeq = null;
    } catch (e) {
      this.unackedSeq = seq;
      this.trouble('ack', e);
    }
  }

  private remember(id: string): void {
    this.skip.add(id);
    if (this.skip.size > SKIP_MAX) this.skip.delete(this.skip.values().next().value as string);
  }

  private trouble(op: string, e: unknown): void {
    const msg = `store ${op} for ${this.output} failed: ${describeError(e)}`;
    // An unavailable store was already reported, once, by the store itself.
    if (isStoreUnavailable(e)) this.log.debug(msg);
    else if (!this.reported.has(msg)) {
      this.reported.add(msg);
      this.log.error(msg);
    }
  }
}
