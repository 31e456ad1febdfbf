/**
 * The link's scan cache in the state dir: `scan.json` holds the chosen PAN (so a restart skips
 * the 18 s+ scan, protocol.md §A.6) and the command form the dongle accepted with it.
 * Unreadable or malformed files count as absent.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readJson, writeJson } from '../json-file.js';
import type { Edition } from '../skstack/api.js';

export interface CachedPan {
  channel: number;
  panId: number;
  addr: string;
  ipv6: string;
  /** The command form the dongle accepted with this meter (§A.1), when known. */
  edition?: Edition;
}

const isInt = (v: unknown, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

export async function loadPan(dir: string): Promise<CachedPan | null> {
  const v = (await readJson(join(dir, 'scan.json'))) as Partial<CachedPan> | null;
  if (!v || typeof v !== 'object') return null;
  if (!isInt(v.channel, 0xff) || !isInt(v.panId, 0xffff)) return null;
  if (typeof v.addr !== 'string' || !/^[0-9A-F]{16}$/i.test(v.addr)) return null;
  if (typeof v.ipv6 !== 'string' || !/^[0-9A-F]{4}(:[0-9A-F]{4}){7}$/i.test(v.ipv6)) return null;
  const edition = v.edition === 'single-hop' || v.edition === 'dual-stack' ? v.edition : undefined;
  return {
    channel: v.channel,
    panId: v.panId,
    addr: v.addr.toUpperCase(),
    ipv6: v.ipv6.toUpperCase(),
    ...(edition ? { edition } : {}),
  };
}

export async function savePan(dir: string, pan: CachedPan): Promise<void> {
  await writeJson(dir, 'scan.json', pan);
}

export async function forgetPan(dir: string): Promise<void> {
  await rm(join(dir, 'scan.json'), { force: true });
}
