import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { READING_KEYS } from '../../src/reading/record.js';
import { csvHeader, pyFloat, renderRecord } from '../../src/sinks/format.js';
import { sampleEnvelope } from '../support/envelope.js';

describe('pyFloat (Python repr of a float)', () => {
  it.each([
    [5, '5.0'],
    [0, '0.0'],
    [-0, '-0.0'],
    [0.2, '0.2'],
    [12345.6, '12345.6'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e-4, '0.0001'],
    [1.5e-5, '1.5e-05'],
    [1e-5, '1e-05'],
    [1e16, '1e+16'],
    [1.234e20, '1.234e+20'],
    [9999999999999998, '9999999999999998.0'],
    [123456789012345.6, '123456789012345.6'],
    [-7.25, '-7.25'],
    [100, '100.0'],
  ])('%s → %s', (x, want) => {
    expect(pyFloat(x)).toBe(want);
  });
});

describe('json', () => {
  it('writes one json.dumps-style line with the 10 keys in order and Python floats', () => {
    const line = renderRecord('json', sampleEnvelope({ current_r_a: 5, cumulative_power_kwh: 17013 }));
    expect(line).toBe(
      '{"timestamp": "2023-10-27T10:00:00.123456+00:00", "cumulative_power_kwh": 17013.0, ' +
        '"instant_power_w": 500, "current_a": 7.5, "current_r_a": 5.0, "current_t_a": 2.5, ' +
        '"historical_timestamp": "2023-10-27T10:00:00+00:00", "historical_cumulative_power_kwh": 12345.5, ' +
        '"recent_30min_timestamp": "2023-10-27T09:30:00+00:00", "recent_30min_consumption_kwh": 0.2}\n',
    );
    expect(Object.keys(JSON.parse(line))).toEqual([...READING_KEYS]);
  });

  it('writes null for missing values and adds backfill only for backfilled slots', () => {
    const line = renderRecord(
      'json',
      sampleEnvelope({ current_t_a: null, instant_power_w: null }, { backfill: true }),
    );
    const obj = JSON.parse(line) as Record<string, unknown>;
    expect(obj.current_t_a).toBeNull();
    expect(obj.instant_power_w).toBeNull();
    expect(obj.backfill).toBe(true);
    expect(line).toContain('"current_t_a": null');
    expect(JSON.parse(renderRecord('json', sampleEnvelope())).backfill).toBeUndefined();
  });
});

describe('yaml', () => {
  it('writes one document per reading that the yaml package reads back exactly', () => {
    const text =
      renderRecord('yaml', sampleEnvelope({ current_t_a: null })) + renderRecord('yaml', sampleEnvelope());
    const docs = parseAllDocuments(text);
    expect(docs).toHaveLength(2);
    const first = (docs[0] as { toJS(): Record<string, unknown> }).toJS();
    expect(Object.keys(first)).toEqual([...READING_KEYS]);
    expect(first).toEqual({ ...sampleEnvelope({ current_t_a: null }).reading });
  });

  it('quotes timestamps like PyYAML, keeps floats floats, writes null', () => {
    const text = renderRecord(
      'yaml',
      sampleEnvelope({ current_r_a: 5, current_t_a: null, cumulative_power_kwh: 1e16 }),
    );
    expect(text.split('\n')).toEqual([
      '---',
      "timestamp: '2023-10-27T10:00:00.123456+00:00'",
      'cumulative_power_kwh: 1.0e+16',
      'instant_power_w: 500',
      'current_a: 7.5',
      'current_r_a: 5.0',
      'current_t_a: null',
      "historical_timestamp: '2023-10-27T10:00:00+00:00'",
      'historical_cumulative_power_kwh: 12345.5',
      "recent_30min_timestamp: '2023-10-27T09:30:00+00:00'",
      'recent_30min_consumption_kwh: 0.2',
      '',
    ]);
  });
});

describe('csv', () => {
  it('has exactly the 10-key header', () => {
    expect(csvHeader()).toBe(
      'timestamp,cumulative_power_kwh,instant_power_w,current_a,current_r_a,current_t_a,' +
        'historical_timestamp,historical_cumulative_power_kwh,recent_30min_timestamp,recent_30min_consumption_kwh\n',
    );
  });

  it('writes one row, empty cells for null, Python floats, no backfill column', () => {
    expect(
      renderRecord('csv', sampleEnvelope({ current_r_a: 5, current_t_a: null }, { backfill: true })),
    ).toBe(
      '2023-10-27T10:00:00.123456+00:00,12345.6,500,7.5,5.0,,2023-10-27T10:00:00+00:00,12345.5,' +
        '2023-10-27T09:30:00+00:00,0.2\n',
    );
  });
});
