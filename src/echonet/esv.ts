/** ECHONET Lite service codes (protocol.md §B.2). */
export const ESV = {
  SetI: 0x60,
  SetC: 0x61,
  Get: 0x62,
  INF_REQ: 0x63,
  SetGet: 0x6e,
  Set_Res: 0x71,
  Get_Res: 0x72,
  INF: 0x73,
  INFC: 0x74,
  INFC_Res: 0x7a,
  SetGet_Res: 0x7e,
  SetI_SNA: 0x50,
  SetC_SNA: 0x51,
  Get_SNA: 0x52,
  INF_SNA: 0x53,
  SetGet_SNA: 0x5e,
} as const;

export type EsvName = keyof typeof ESV;

const NAMES = new Map<number, EsvName>(Object.entries(ESV).map(([k, v]) => [v, k as EsvName]));

export function esvName(esv: number): EsvName | null {
  return NAMES.get(esv) ?? null;
}

/** Object codes used on the B-route (protocol.md §B.1). */
export const EOJ = {
  controller: 0x05ff01,
  smartMeter: 0x028801,
  nodeProfile: 0x0ef001,
} as const;
