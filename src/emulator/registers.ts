/** SKSREG virtual registers (protocol.md §A.4): defaults, name normalisation, value checks. */
interface RegSpec {
  def: string;
  /** Normalises a written value, or null when it is out of range / not writable. */
  write: (v: string) => string | null;
  dualOnly?: boolean;
}

const hexIn =
  (digits: number, min: number, max: number) =>
  (v: string): string | null => {
    if (!/^[0-9A-Fa-f]{1,8}$/.test(v)) return null;
    const n = Number.parseInt(v, 16);
    return n >= min && n <= max ? n.toString(16).toUpperCase().padStart(digits, '0') : null;
  };
const flag = (v: string): string | null => (v === '0' || v === '1' ? v : null);
const readOnly = (): string | null => null;

const SPECS: Readonly<Record<string, RegSpec>> = {
  S02: { def: '21', write: hexIn(2, 0x21, 0x3c) },
  S03: { def: 'FFFF', write: hexIn(4, 0, 0xffff) },
  S07: { def: '00000000', write: readOnly },
  S0A: { def: 'CCDDEEFF', write: (v) => (v.length === 8 ? v : null) },
  S0B: { def: 'CCDDEEFFCCDDEEFF', write: (v) => (v.length === 16 ? v : null), dualOnly: true },
  S15: { def: '0', write: flag },
  S16: { def: '00000384', write: hexIn(8, 0x3c, 0xffffffff) },
  S17: { def: '1', write: flag },
  S1C: { def: '00000384', write: hexIn(8, 0, 0xffffffff), dualOnly: true },
  SA0: { def: '1', write: flag },
  SA1: { def: '1', write: flag },
  SA2: { def: '0', write: flag, dualOnly: true },
  SA9: { def: '1', write: flag, dualOnly: true },
  SF0: { def: '0', write: flag, dualOnly: true },
  SFB: { def: '0', write: readOnly },
  SFD: { def: '00000000', write: (v) => (/^0+$/.test(v) ? '00000000' : null) },
  SFE: { def: '1', write: flag },
  SFF: { def: '0', write: flag },
};

/** `S2` → `S02`, `sfe` → `SFE`; null when not a register name of this edition. */
export function registerName(raw: string, dualStack: boolean): string | null {
  const m = /^S([0-9A-Fa-f]{1,2})$/.exec(raw);
  if (!m) return null;
  const name = `S${m[1]!.toUpperCase().padStart(2, '0')}`;
  const spec = SPECS[name];
  if (!spec || (spec.dualOnly && !dualStack)) return null;
  return name;
}

export function defaultRegisters(dualStack: boolean): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, spec] of Object.entries(SPECS)) if (dualStack || !spec.dualOnly) out.set(name, spec.def);
  return out;
}

export function checkRegisterValue(name: string, value: string): string | null {
  return SPECS[name]?.write(value) ?? null;
}
