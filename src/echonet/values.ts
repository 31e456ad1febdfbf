import { decodeMeterValue } from './meter.js';
import { CLASS_NODE_PROFILE, CLASS_SMART_METER, classOf } from './names.js';
import { decodeNodeProfileValue } from './node-profile.js';
import { decodeSuperclassValue } from './superclass.js';

/**
 * The JSON-ready value of one property of object `eoj` (shapes listed per EPC in
 * docs of meter.ts, node-profile.ts, superclass.ts). null for PDC 0, an EPC we do not decode,
 * a wrong EDT size, or a "no data" code. Never throws.
 */
export function decodeValue(eoj: number, epc: number, edt: Uint8Array): unknown {
  if (edt.length === 0) return null;
  const cls = classOf(eoj);
  let value: unknown;
  if (cls === CLASS_SMART_METER) value = decodeMeterValue(epc, edt);
  else if (cls === CLASS_NODE_PROFILE) value = decodeNodeProfileValue(epc, edt);
  if (value === undefined) value = decodeSuperclassValue(epc, edt);
  return value === undefined ? null : value;
}
