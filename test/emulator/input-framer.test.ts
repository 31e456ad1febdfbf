import { describe, expect, it } from 'vitest';
import { InputFramer } from '../../src/emulator/input-framer.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('InputFramer', () => {
  it('splits CRLF lines and CR-only product lines, swallowing a LF that arrives later', () => {
    const f = new InputFramer();
    expect(f.push(b('SKVER\r\nROPT\r'))).toEqual([
      { kind: 'line', text: 'SKVER', terminator: '\r\n' },
      { kind: 'line', text: 'ROPT', terminator: '\r' },
    ]);
    expect(f.push(b('\nSKINFO\r\n'))).toEqual([{ kind: 'line', text: 'SKINFO', terminator: '\r\n' }]);
  });

  it('holds an incomplete line', () => {
    const f = new InputFramer();
    expect(f.push(b('SKV'))).toEqual([]);
    expect(f.push(b('ER\r\n'))).toEqual([{ kind: 'line', text: 'SKVER', terminator: '\r\n' }]);
  });

  it('takes exactly DATALEN raw bytes after a single-hop SKSENDTO header, CR/LF inside included', () => {
    const f = new InputFramer();
    const head = 'SKSENDTO 1 FE80:0000:0000:0000:021C:6400:036E:8CF5 0E1A 1 0004 ';
    expect(f.push(b(`${head}\r\n`))).toEqual([]);
    const units = f.push(b(' \u0000SKVER\r\n'));
    expect(units).toEqual([
      {
        kind: 'sendto',
        header: head,
        args: ['1', 'FE80:0000:0000:0000:021C:6400:036E:8CF5', '0E1A', '1', '0004'],
        payload: Uint8Array.from([0x0d, 0x0a, 0x20, 0x00]),
      },
      { kind: 'line', text: 'SKVER', terminator: '\r\n' },
    ]);
  });

  it('recognises the dual-stack header (SIDE before DATALEN)', () => {
    const f = new InputFramer();
    const [u] = f.push(b('SKSENDTO 1 FE80:0000:0000:0000:021C:6400:036E:8CF5 0E1A 1 0 0002 AB'));
    expect(u).toMatchObject({
      kind: 'sendto',
      args: ['1', 'FE80:0000:0000:0000:021C:6400:036E:8CF5', '0E1A', '1', '0', '0002'],
    });
  });

  it('treats an SKSENDTO ended by CRLF before DATALEN as a plain line', () => {
    const f = new InputFramer();
    expect(f.push(b('SKSENDTO 1 FE80\r\n'))).toEqual([
      { kind: 'line', text: 'SKSENDTO 1 FE80', terminator: '\r\n' },
    ]);
    expect(f.push(b('SKSE\r\n'))).toEqual([{ kind: 'line', text: 'SKSE', terminator: '\r\n' }]);
  });
});
