/**
 * Dongle dialects as data (protocol.md §A.1, §A.4 ROPT/WOPT, §A.8). The emulator's command
 * handling reads only these fields; nothing else differs between the families.
 */
import type { Dongle } from '../dongles.js';

// Every dongle the collector knows (dongles.ts DONGLES) is emulated: DONGLE_PROFILES covers them all.

export interface DongleProfile {
  model: Dongle;
  /** dual-stack adds a SIDE argument/field to SKSCAN, SKSENDTO, EVENT, EPANDESC, ERXUDP (§A.1). */
  dualStack: boolean;
  /** Factory ERXUDP data format: hex ASCII (RL7023) or raw binary (ROHM, §A.4). */
  hexByDefault: boolean;
  /** How ROPT answers: with the mode (`OK 00`/`OK 01`), or not at all (`FAIL ER04`, RL7023-DSS). */
  ropt: 'mode' | 'unsupported';
  version: string;
  appVersion: string;
  /** The dongle's own EUI-64 (its link-local address is derived from it, §A.4 SKLL64). */
  mac: string;
}

export const DONGLE_PROFILES: Readonly<Record<Dongle, DongleProfile>> = {
  BP35A1: {
    model: 'BP35A1',
    dualStack: false,
    hexByDefault: false,
    ropt: 'mode',
    version: '1.2.10',
    appVersion: 'rev26e',
    mac: '001D129012345678',
  },
  'RL7023-IPS': {
    model: 'RL7023-IPS',
    dualStack: false,
    hexByDefault: true,
    ropt: 'mode',
    version: '1.2.8',
    appVersion: 'IPS-1.0',
    mac: '100723FFFEA077E3',
  },
  BP35C0: {
    model: 'BP35C0',
    dualStack: true,
    hexByDefault: false,
    ropt: 'mode',
    version: '1.5.2',
    appVersion: 'rev1',
    mac: '001D129100020601',
  },
  BP35C2: {
    model: 'BP35C2',
    dualStack: true,
    hexByDefault: false,
    ropt: 'mode',
    version: '1.5.2',
    appVersion: 'rev1',
    mac: '001D129100020608',
  },
  'RS-WSUHA-P': {
    model: 'RS-WSUHA-P',
    dualStack: true,
    hexByDefault: false,
    ropt: 'mode',
    version: '1.5.2',
    appVersion: 'rev1',
    mac: '001D12910002060A',
  },
  'RL7023-DSS': {
    model: 'RL7023-DSS',
    dualStack: true,
    hexByDefault: true,
    ropt: 'unsupported',
    version: '1.3.2',
    appVersion: 'DSS-1.0',
    mac: '100723FFFEA07898',
  },
};

/** EUI-64 → link-local IPv6 in the dongle's full upper-case form (§A.4 SKLL64). */
export function linkLocalOf(mac: string): string {
  const first = (Number.parseInt(mac.slice(0, 2), 16) ^ 0x02).toString(16).padStart(2, '0');
  const m = (first + mac.slice(2)).toUpperCase();
  return `FE80:0000:0000:0000:${m.slice(0, 4)}:${m.slice(4, 8)}:${m.slice(8, 12)}:${m.slice(12, 16)}`;
}
