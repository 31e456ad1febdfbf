import type { Faults } from './faults.js';

/**
 * `simulate --field`: every field behaviour at once, at compressed but plausible rates (emulated
 * seconds, so `--latency-scale` compresses them further). A soak against this must never lose
 * or corrupt a reading.
 */
export function fieldFaults(dualStack: boolean): Partial<Faults> {
  return {
    staleSession: 'joining',
    resetEvery: 600,
    resetSendReply: 'event21',
    reauthEvery: 240,
    txLimitEvery: 420,
    txLimitFor: 40,
    silentEvery: 540,
    silentFor: 90,
    swapAfter: 1200,
    swapCoefficient: 10,
    strayTraffic: true,
    wrongFormReply: dualStack ? 'silence' : 'ER05',
    einfoFields: dualStack ? 7 : 5,
    meterClockSkew: -95,
    meterUpdateDelay: 150,
    busy: { EA: 2, E0: 1 },
  };
}
