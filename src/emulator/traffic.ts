import { ESV } from '../echonet/esv.js';
import { encodeFrame } from '../echonet/frame.js';
import { METER_EOJ, NODE_PROFILE_EOJ } from './meter-object.js';
import { type Datagram, MULTICAST } from './output.js';

/** A plausible PANA message (UDP 716): header, then filler AVP bytes; `step` varies the content. */
export function panaPayload(step: number, withLifetime: boolean): Uint8Array {
  const len = withLifetime ? 0x58 : 0x30;
  const out = new Uint8Array(len);
  const v = new DataView(out.buffer);
  v.setUint16(2, len);
  v.setUint16(4, 0xa000);
  v.setUint16(6, 2);
  v.setUint32(8, 0x1b0f0000 + step);
  for (let i = 16; i < len; i++) out[i] = (i * 37 + step * 11) & 0xff;
  out[20] = 0x20; // a space inside binary data, as in real captures (§A.2)
  out[21] = 0x0d;
  out[22] = 0x0a;
  if (withLifetime) v.setUint32(len - 24, 86400); // Session-Lifetime (§D.2)
  return out;
}

export const STRANGER_IP = 'FE80:0000:0000:0000:021C:6400:0000:BEEF';
export const STRANGER_MAC = '001C64000000BEEF';

/** Traffic a real dongle hears that is not for the collector: PANA, INF, another node's answer. */
export function strayDatagrams(meterIp: string, meterMac: string, ownIp: string, n: number): Datagram[] {
  const inf = encodeFrame({
    tid: 0x8000 | (n & 0x7fff),
    seoj: METER_EOJ,
    deoj: NODE_PROFILE_EOJ,
    esv: ESV.INF,
    properties: [{ epc: 0x80, edt: Uint8Array.of(0x30) }],
  });
  const foreign = encodeFrame({
    tid: (n * 7919) & 0xffff,
    seoj: METER_EOJ,
    deoj: 0x05ff01,
    esv: ESV.Get_Res,
    properties: [{ epc: 0xe7, edt: Uint8Array.of(0, 0, 0x01, 0xf4) }],
  });
  return [
    {
      sender: meterIp,
      dest: ownIp,
      rport: 0x02cc,
      lport: 0x02cc,
      senderMac: meterMac,
      secured: false,
      data: panaPayload(n, false),
    },
    {
      sender: meterIp,
      dest: MULTICAST,
      rport: 0x0e1a,
      lport: 0x0e1a,
      senderMac: meterMac,
      secured: true,
      data: inf,
    },
    {
      sender: STRANGER_IP,
      dest: ownIp,
      rport: 0x0e1a,
      lport: 0x0e1a,
      senderMac: STRANGER_MAC,
      secured: true,
      data: foreign,
    },
  ];
}

/** Junk bytes for the garbage fault: no CR, LF or printable 'E' that could start a real line. */
export function garbageBytes(n: number): Uint8Array {
  const out = new Uint8Array(3 + (n % 5));
  for (let i = 0; i < out.length; i++) out[i] = 0x80 + ((n * 31 + i * 17) % 0x7f);
  out[0] = 0x00;
  return out;
}
