/**
 * `slots.json` in the state dir: the last fixed-time value (and the half hour it closed), so
 * the 30-minute rule survives restarts. Unreadable, malformed or another meter's: absent.
 */
import { join } from 'node:path';
import { readJson, writeJson } from '../json-file.js';
import type { SlotState } from '../reading/slots.js';

interface SlotFile extends SlotState {
  meter: string;
}

const isPoint = (p: unknown, key: 'raw' | 'deltaRaw'): boolean =>
  typeof p === 'object' &&
  p !== null &&
  typeof (p as Record<string, unknown>).atMs === 'number' &&
  typeof (p as Record<string, unknown>)[key] === 'number';

/** The slot state saved for `meter`, or null (other meter, absent, malformed). */
export async function loadSlots(dir: string, meter: string): Promise<SlotState | null> {
  const v = (await readJson(join(dir, 'slots.json'))) as SlotFile | null;
  if (!v || typeof v !== 'object' || v.meter !== meter) return null;
  if (v.last !== null && !isPoint(v.last, 'raw')) return null;
  if (v.recent !== null && !isPoint(v.recent, 'deltaRaw')) return null;
  return { last: v.last, recent: v.recent };
}

export async function saveSlots(dir: string, meter: string, state: SlotState): Promise<void> {
  await writeJson(dir, 'slots.json', { meter, ...state } satisfies SlotFile);
}
