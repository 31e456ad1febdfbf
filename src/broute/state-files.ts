/**
 * The link's caches in the state dir: `scan.json` holds the chosen PAN (so a restart skips the
 * 18 s+ scan, protocol.md §A.6) and the command form the dongle accepted with it; `meter.json`
 * holds the meter's constants (so a restart reads in one round trip, §C.1). Unreadable or
 * malformed files count as absent.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { MeterConstants } from '../echonet/meter.js';
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

/** What `meter.json` keeps of one meter: its constants, Get property map and per-Get limit. */
export interface CachedFacts {
  addr: string;
  constants: MeterConstants;
  getMap: number[] | null;
  perGet: number;
}

const isEpcList = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length <= 256 && v.every((e) => isInt(e, 0xff));

/**
 * The cached facts of meter `addr`; null when absent. A file that is corrupt or about another
 * meter is reported through `problem` (once per load) and ignored.
 */
export async function loadFacts(
  dir: string,
  addr: string,
  problem: (why: string) => void,
): Promise<CachedFacts | null> {
  let v: Partial<CachedFacts> | null;
  try {
    v = JSON.parse(await readFile(join(dir, 'meter.json'), 'utf8')) as Partial<CachedFacts> | null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    v = null;
  }
  const c =
    typeof v === 'object' && v !== null ? (v.constants as Partial<MeterConstants> | undefined) : undefined;
  const valid =
    v !== null &&
    typeof v === 'object' &&
    typeof v.addr === 'string' &&
    c !== undefined &&
    isInt(c.coefficient, 999_999) &&
    isInt(c.unitCode, 0xff) &&
    isInt(c.digits, 8) &&
    (v.getMap === null || isEpcList(v.getMap)) &&
    isInt(v.perGet, 64) &&
    v.perGet >= 1;
  if (!valid) {
    problem('the cached meter constants (meter.json) are unreadable; reading them from the meter');
    return null;
  }
  const facts = v as CachedFacts;
  if (facts.addr.toUpperCase() !== addr.toUpperCase()) {
    problem(`the cached meter constants are for another meter (${facts.addr}); reading them from this one`);
    return null;
  }
  return { addr, constants: { ...facts.constants }, getMap: facts.getMap ?? null, perGet: facts.perGet };
}

export async function saveFacts(dir: string, facts: CachedFacts): Promise<void> {
  await writeJson(dir, 'meter.json', facts);
}
