import { describe, expect, it } from 'vitest';
import { linkLocalToMac, macToLinkLocal } from '../../src/broute/ipv6.js';

describe('EUI-64 link-local address (protocol.md §A.4 SKLL64)', () => {
  it('flips the universal/local bit', () => {
    expect(macToLinkLocal('001C640003DD6393')).toBe('FE80:0000:0000:0000:021C:6400:03DD:6393');
    expect(macToLinkLocal('021d129012345678')).toBe('FE80:0000:0000:0000:001D:1290:1234:5678');
  });
  it('round-trips and rejects malformed input', () => {
    expect(linkLocalToMac('FE80:0000:0000:0000:021C:6400:036E:8CF5')).toBe('001C6400036E8CF5');
    expect(macToLinkLocal('001C6400')).toBeNull();
    expect(macToLinkLocal('001C640003DD639G')).toBeNull();
    expect(linkLocalToMac('FE80::1')).toBeNull();
  });
});
