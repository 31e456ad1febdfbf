import { ESV } from '../echonet/esv.js';
import type { Frame } from '../echonet/frame.js';
import { decodeValue } from '../echonet/values.js';
import { hex } from './output.js';

/**
 * One answer the meter delivered (simulate --record, Emulator.onReply): what a soak test checks
 * every printed reading against. `props` maps each EPC (`"E7"`) to its decoded value (the
 * shapes of `decode`: E7 W, E0 raw count, EA {time, raw}, …), null for PDC 0 or "no data".
 */
export interface ReplyRecord {
  /** Host clock (the emulator's `clock`) when the answer went out to the host. */
  hostMs: number;
  meterMac: string;
  tid: number;
  props: Record<string, unknown>;
}

/** The record of a Get_Res / Get_SNA; null for any other frame. */
export function replyRecord(frame: Frame, hostMs: number, meterMac: string): ReplyRecord | null {
  if (frame.esv !== ESV.Get_Res && frame.esv !== ESV.Get_SNA) return null;
  const props: Record<string, unknown> = {};
  for (const p of frame.properties) props[hex(p.epc, 2)] = decodeValue(frame.seoj, p.epc, p.edt);
  return { hostMs, meterMac, tid: frame.tid, props };
}
