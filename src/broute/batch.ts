/**
 * Batched Gets with an adaptive per-Get limit (protocol.md §B.3, §D.3). Meters may answer a
 * too-large Get with fewer properties (short reply) or with Get_SNA and PDC 0 for the ones
 * they dropped; we split, re-ask the missing ones and remember the learned limit. A property
 * that fails when asked alone is unsupported and not asked again.
 */
import type { Frame } from '../echonet/frame.js';

/** Sends one Get for `epcs` and resolves with the Get_Res / Get_SNA frame. */
export type GetFn = (epcs: number[]) => Promise<Frame>;

export interface BatchState {
  limit: number;
  unsupported: Set<number>;
}

interface Job {
  epcs: number[];
  /** Set when these were dropped by an SNA: the answered count of that reply. */
  droppedAfter?: number;
}

function chunks(epcs: number[], size: number, droppedAfter?: number): Job[] {
  const out: Job[] = [];
  for (let i = 0; i < epcs.length; i += size) out.push({ epcs: epcs.slice(i, i + size), droppedAfter });
  return out;
}

export async function fetchProperties(
  get: GetFn,
  wanted: readonly number[],
  st: BatchState,
): Promise<Map<number, Uint8Array>> {
  const result = new Map<number, Uint8Array>();
  const epcs = wanted.filter((e) => !st.unsupported.has(e));
  const queue = chunks(epcs, Math.max(1, st.limit));
  const markedNow: number[] = [];
  while (queue.length > 0) {
    const job = queue.shift()!;
    const reply = await get(job.epcs);
    for (const p of reply.properties) {
      if (job.epcs.includes(p.epc) && p.edt.length > 0) result.set(p.epc, p.edt);
    }
    const missing = job.epcs.filter((e) => !result.has(e));
    const answered = job.epcs.length - missing.length;
    if (job.droppedAfter !== undefined && answered > 0)
      st.limit = Math.min(st.limit, Math.max(1, job.droppedAfter));
    if (missing.length === 0) continue;
    if (job.epcs.length === 1) {
      if (!st.unsupported.has(job.epcs[0]!)) markedNow.push(job.epcs[0]!);
      st.unsupported.add(job.epcs[0]!);
      continue;
    }
    if (reply.properties.length < job.epcs.length) {
      st.limit = Math.max(1, Math.min(st.limit, answered > 0 ? answered : Math.floor(job.epcs.length / 2)));
      queue.unshift(...chunks(missing, st.limit));
    } else {
      // Every property came back empty: halve so each round gets smaller.
      if (answered === 0) queue.unshift(...chunks(missing, Math.max(1, Math.floor(job.epcs.length / 2))));
      else queue.unshift(...chunks(missing, Math.max(1, st.limit), answered));
    }
  }
  // Nothing at all came back: the meter was busy or refusing everything for now (a transient
  // Get_SNA with every PDC 0), which says nothing about single properties. Ask again next time.
  if (result.size === 0) for (const e of markedNow) st.unsupported.delete(e);
  return result;
}
