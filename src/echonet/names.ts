/** English EPC names: the super class shared by all objects, then the two classes we talk to. */

const SUPERCLASS: Readonly<Record<number, string>> = {
  128: 'Operation status',
  129: 'Installation location',
  130: 'Standard version information',
  131: 'Identification number',
  136: 'Fault status',
  138: 'Manufacturer code',
  140: 'Product code',
  141: 'Production number',
  142: 'Production date',
  151: 'Current time setting',
  152: 'Current date setting',
  157: 'Status change announcement property map',
  158: 'Set property map',
  159: 'Get property map',
};

const SMART_METER: Readonly<Record<number, string>> = {
  192: 'Route B identification number',
  208: 'One-minute measured cumulative energy (normal and reverse)',
  211: 'Coefficient',
  215: 'Number of effective digits for cumulative energy',
  224: 'Measured cumulative energy (normal direction)',
  225: 'Unit for cumulative energy',
  226: 'Historical cumulative energy 1 (normal direction)',
  227: 'Measured cumulative energy (reverse direction)',
  228: 'Historical cumulative energy 1 (reverse direction)',
  229: 'Day for historical data 1',
  231: 'Measured instantaneous power',
  232: 'Measured instantaneous currents',
  234: 'Cumulative energy at fixed time (normal direction)',
  235: 'Cumulative energy at fixed time (reverse direction)',
  236: 'Historical cumulative energy 2 (normal and reverse)',
  237: 'Day and time for historical data 2',
  238: 'Historical cumulative energy 3 (normal and reverse)',
  239: 'Day and time for historical data 3',
};

const NODE_PROFILE: Readonly<Record<number, string>> = {
  128: 'Operating status',
  130: 'Version information',
  131: 'Identification number',
  211: 'Number of self-node instances',
  212: 'Number of self-node classes',
  213: 'Instance list notification',
  214: 'Self-node instance list S',
  215: 'Self-node class list S',
};

export const CLASS_SMART_METER = 0x0288;
export const CLASS_NODE_PROFILE = 0x0ef0;

/** The class code (group + class) of a 24-bit EOJ: 0x028801 → 0x0288. */
export function classOf(eoj: number): number {
  return (eoj >> 8) & 0xffff;
}

/** English name of `epc` on object `eoj`, or null when we have none. */
export function epcName(eoj: number, epc: number): string | null {
  const cls = classOf(eoj);
  const own = cls === CLASS_SMART_METER ? SMART_METER : cls === CLASS_NODE_PROFILE ? NODE_PROFILE : {};
  return own[epc] ?? SUPERCLASS[epc] ?? null;
}
