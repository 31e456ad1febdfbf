import { HemsError } from '../errors.js';

/** Upper-case hex without separators. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}

/** Strict hex decode: even length, only [0-9A-Fa-f]. */
export function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(text)) {
    throw new HemsError('FRAME_BAD_HEX', `not an even-length hex string: "${text.slice(0, 40)}"`);
  }
  return Uint8Array.from(Buffer.from(text, 'hex'));
}
