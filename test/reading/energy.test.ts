import { describe, expect, it } from 'vitest';
import { counterDelta, toKwh } from '../../src/reading/energy.js';

describe('energy scaling', () => {
  it('scales by every E1 unit code and rejects unknown codes', () => {
    expect([0, 1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d].map((code) => toKwh(1, 1, code))).toEqual([
      1, 0.1, 0.01, 0.001, 0.0001, 10, 100, 1000, 10000,
    ]);
    expect(toKwh(1, 1, 0x05)).toBeNull();
    expect(toKwh(1, 1, 0x0e)).toBeNull();
  });
  it('prints exact decimals (coefficient 1 and 10)', () => {
    expect(toKwh(123456, 1, 0x01)).toBe(12345.6);
    expect(String(toKwh(123456, 1, 0x01))).toBe('12345.6');
    expect(toKwh(123456, 10, 0x01)).toBe(123456);
    expect(toKwh(3, 1, 0x01)).toBe(0.3);
    expect(toKwh(7, 1, 0x02)).toBe(0.07);
    expect(toKwh(65128, 1, 0x00)).toBe(65128);
    expect(toKwh(12, 10, 0x0a)).toBe(1200);
    expect(toKwh(123456789 % 100000000, 1, 0x04)).toBe(2345.6789);
    expect(toKwh(1, 1, 0x07)).toBeNull();
  });
  it('never prints float noise for any 0.1 or 0.01 value', () => {
    for (let raw = 0; raw < 20000; raw += 7) {
      expect(String(toKwh(raw, 1, 0x01))).toMatch(/^\d+(\.\d)?$/);
      expect(String(toKwh(raw, 3, 0x02))).toMatch(/^\d+(\.\d\d?)?$/);
    }
  });
  it('wraps counter differences at 10^D7', () => {
    expect(counterDelta(100, 250, 6)).toBe(150);
    expect(counterDelta(999_990, 5, 6)).toBe(15);
    expect(counterDelta(99_999_999, 0, 8)).toBe(1);
  });
});
