import { describe, expect, it } from 'vitest';
import { simulateTuning } from '../../src/cli/simulate-flags.js';
import { fieldFaults } from '../../src/emulator/index.js';

describe('simulate flags → emulator options', () => {
  it('maps each field flag to its switch, in emulated seconds', () => {
    const t = simulateTuning(
      {
        faultResetEvery: '600',
        faultResetSendReply: 'EVENT21',
        faultStaleSession: 'reauth',
        faultReauthEvery: '0',
        faultTxLimitEvery: '420',
        faultTxLimitFor: '40',
        faultWrongForm: 'silence',
        einfoFields: '6',
        faultMeterSilentEvery: '540',
        faultMeterSilentFor: '90.5',
        faultSwapMeterAfter: '1200',
        swapMeterCoefficient: '100',
        meterClockSkew: '-95',
        meterUpdateDelay: '150',
        faultBusy: ['ea:2', 'E7:1'],
        record: 'replies.jsonl',
      },
      'BP35A1',
    );
    expect(t.faults).toEqual({
      resetEvery: 600,
      resetSendReply: 'event21',
      staleSession: 'reauth',
      reauthEvery: 0,
      txLimitEvery: 420,
      txLimitFor: 40,
      wrongFormReply: 'silence',
      einfoFields: 6,
      silentEvery: 540,
      silentFor: 90.5,
      swapAfter: 1200,
      swapCoefficient: 100,
      meterClockSkew: -95,
      meterUpdateDelay: 150,
      busy: { EA: 2, E7: 1 },
    });
    expect(t.record).toBe('replies.jsonl');
  });

  it('--field switches everything on, per edition; flags given override the preset', () => {
    expect(simulateTuning({ field: true }, 'BP35C2').faults).toEqual(fieldFaults(true));
    expect(fieldFaults(true).wrongFormReply).toBe('silence');
    expect(fieldFaults(false).wrongFormReply).toBe('ER05');
    const t = simulateTuning({ field: true, faultResetEvery: '0', faultTxLimitFor: '10' }, 'BP35A1');
    expect(t.faults).toMatchObject({ resetEvery: 0, txLimitEvery: 420, txLimitFor: 10, reauthEvery: 240 });
  });

  it('no flag, no faults: the emulator keeps its realistic defaults', () => {
    expect(simulateTuning({}, 'BP35A1')).toEqual({});
  });
});
