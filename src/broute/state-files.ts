/**
 * The session's small JSON files in the state dir: `scan.json` (the chosen PAN, so a restart
 * skips the 18 s+ scan, protocol.md §A.6) and `slots.json` (the last fixed-time value, so the
 * 30-minute rule survives restarts). Unreadable or malformed files count as absent.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SlotState } from '../reading/slots.js';

export interface CachedPan {
  channel: number;
  panId: number;
  addr: string;
  ipv6: string;
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
}

async function writeJson(dir: string, name: string, value: unknown): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, join(dir, name));
}

const isInt = (v: unknown, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

export async function loadPan(dir: string): Promise<CachedPan | null> {
  const v = (await readJson(join(dir, 'scan.json'))) as Partial<CachedPan> | null;
  if (!v || typeof v !== 'object') return null;
  if (!isInt(v.channel, 0xff) || !isInt(v.panId, 0xffff)) return null;
  if (typeof v.addr !== 'string' || !/^[0-9A-F]{16}$/i.test(v.addr)) return null;
  if (typeof v.ipv6 !== 'string' || !/^[0-9A-F]{4}(:[0-9A-F]{4}){7}$/i.test(v.ipv6)) return null;
  return { channel: v.channel, panId: v.panId, addr: v.addr.toUpperCase(), ipv6: v.ipv6.toUpperCase() };
}

export async function savePan(dir: string, pan: CachedPan): Promise<void> {
  await writeJson(dir, 'scan.json', pan);
}

export async function forgetPan(dir: string): Promise<void> {
  await rm(join(dir, 'scan.json'), { force: true });
}

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
