/**
 * Batched Gets with an adaptive per-Get limit (protocol.md §B.3, §D.3). A meter may answer a
 * too-large Get with fewer properties (a short reply) or with Get_SNA and PDC 0 for the tail it
 * dropped: we split, re-ask, and keep the limit once the re-asked ones come back. A property the
 * meter refuses on its own (Get_SNA, PDC 0) is asked again at the next reading, since meters are
 * briefly busy; it is dropped only when refused in every reading for an hour, and never when it
 * is one the caller keeps (E7, E0, EA while the Get map lists them).
 */
import type { Frame } from '../echonet/frame.js';

/** Sends one Get for `epcs` and resolves with the Get_Res / Get_SNA frame. */
export type GetFn = (epcs: number[]) => Promise<Frame>;

export interface BatchState {
  limit: number;
  /** EPC → when it was first refused, in an unbroken run of refusals. */
  refusedSince: Map<number, number>;
  /** Refused for an hour: no longer asked. */
  dropped: Set<number>;
  /**
   * A single property dropped at the end of a Get and answered when asked again may have been
   * busy rather than over the limit: the answered count of that Get, until it happens again.
   */
  singleTailAt: number | null;
}

export const REFUSED_DROP_AFTER_MS = 3_600_000;

export interface FetchOptions {
  /** Now (ms), for the refusal bookkeeping. */
  now: number;
  /** Never dropped, however often refused. */
  keep: ReadonlySet<number>;
  /** Told when a property is dropped. */
  onDrop?: (epc: number) => void;
}

export function newBatchState(limit: number): BatchState {
  return { limit, refusedSince: new Map(), dropped: new Set(), singleTailAt: null };
}

interface Job {
  epcs: number[];
  /** Set when these were the dropped tail of a Get_SNA: the answered count and the tail's size. */
  tail?: { after: number; size: number };
}

function chunks(epcs: number[], size: number, tail?: Job['tail']): Job[] {
  const out: Job[] = [];
  for (let i = 0; i < epcs.length; i += size)
    out.push({ epcs: epcs.slice(i, i + size), ...(tail ? { tail } : {}) });
  return out;
}

/**
 * A dropped tail that came back when asked again: several at once is the per-Get limit; a
 * single one counts only when the same Get drops it again (else it was just busy).
 */
function learnTail(st: BatchState, tail: { after: number; size: number }): void {
  if (tail.size > 1 || st.singleTailAt === tail.after) {
    st.limit = Math.min(st.limit, Math.max(1, tail.after));
    st.singleTailAt = null;
  } else st.singleTailAt = tail.after;
}

export async function fetchProperties(
  get: GetFn,
  wanted: readonly number[],
  st: BatchState,
  o: FetchOptions,
): Promise<Map<number, Uint8Array>> {
  const result = new Map<number, Uint8Array>();
  const refused = new Set<number>();
  const epcs = wanted.filter((e) => !st.dropped.has(e));
  const queue = chunks(epcs, Math.max(1, st.limit));
  while (queue.length > 0) {
    const job = queue.shift()!;
    const reply = await get(job.epcs);
    for (const p of reply.properties) {
      if (job.epcs.includes(p.epc) && p.edt.length > 0) result.set(p.epc, p.edt);
    }
    const missing = job.epcs.filter((e) => !result.has(e));
    const answered = job.epcs.length - missing.length;
    if (job.tail && answered > 0) learnTail(st, job.tail);
    if (missing.length === 0) continue;
    if (job.epcs.length === 1) {
      refused.add(job.epcs[0]!);
      continue;
    }
    if (reply.properties.length < job.epcs.length) {
      st.limit = Math.max(1, Math.min(st.limit, answered > 0 ? answered : Math.floor(job.epcs.length / 2)));
      queue.unshift(...chunks(missing, st.limit));
      continue;
    }
    // Get_SNA: only a dropped tail (everything after the answered ones) may be the per-Get
    // limit; it is asked once more. Anything else was refused for now.
    const tail = answered > 0 && !job.tail && missing.every((e) => job.epcs.indexOf(e) >= answered);
    if (tail)
      queue.unshift(...chunks(missing, Math.max(1, st.limit), { after: answered, size: missing.length }));
    else for (const e of missing) refused.add(e);
  }
  for (const e of epcs) {
    if (result.has(e)) st.refusedSince.delete(e);
    else if (refused.has(e)) {
      const since = st.refusedSince.get(e) ?? o.now;
      st.refusedSince.set(e, since);
      if (o.now - since >= REFUSED_DROP_AFTER_MS && !o.keep.has(e)) {
        st.dropped.add(e);
        st.refusedSince.delete(e);
        o.onDrop?.(e);
      }
    }
  }
  return result;
}
