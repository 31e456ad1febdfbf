/**
 * Link-local IPv6 from a meter MAC: FE80::/64 + the EUI-64 with the universal/local bit
 * (0x02 of the first byte) flipped (protocol.md §A.4 SKLL64). Null when `addr` is not 16 hex.
 */
export function macToLinkLocal(addr: string): string | null {
  if (!/^[0-9A-Fa-f]{16}$/.test(addr)) return null;
  const mac = addr.toUpperCase();
  const first = (Number.parseInt(mac.slice(0, 2), 16) ^ 0x02).toString(16).toUpperCase().padStart(2, '0');
  const iid = first + mac.slice(2);
  const groups = ['FE80', '0000', '0000', '0000'];
  for (let i = 0; i < 16; i += 4) groups.push(iid.slice(i, i + 4));
  return groups.join(':');
}

/** The MAC back from a link-local address (inverse of macToLinkLocal), or null. */
export function linkLocalToMac(ipv6: string): string | null {
  const m = /^FE80:0000:0000:0000:([0-9A-F]{4}):([0-9A-F]{4}):([0-9A-F]{4}):([0-9A-F]{4})$/i.exec(ipv6);
  if (!m) return null;
  const iid = (m[1]! + m[2]! + m[3]! + m[4]!).toUpperCase();
  const first = (Number.parseInt(iid.slice(0, 2), 16) ^ 0x02).toString(16).toUpperCase().padStart(2, '0');
  return first + iid.slice(2);
}
