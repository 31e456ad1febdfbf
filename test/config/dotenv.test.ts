import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDotenv, readDotenvFile } from '../../src/config/dotenv.js';
import { tempDir } from '../support/temp.js';

describe('parseDotenv', () => {
  it('reads KEY=VALUE, export prefix, comments, quotes and escapes', () => {
    const text = [
      '# a comment',
      '',
      'SERIAL_PORT=/dev/ttyUSB1',
      'export B_ROUTE_ID = 0123456789ABCDEF0123456789ABCDEF ',
      "B_ROUTE_PASSWORD='pa ss#word'",
      'WEBHOOK_URL="http://h/x?a=1#frag"  # trailing comment',
      'PLAIN=value # comment',
      'HASH=a#b',
      'ESC="line1\\nline2 \\"q\\" \\\\"',
      "SINGLE='no \\n escape'",
      'EMPTY=',
      'not a line',
      'MULTI="first',
      'second"',
      'WIN=crlf\r',
    ].join('\n');
    expect(parseDotenv(text)).toEqual({
      SERIAL_PORT: '/dev/ttyUSB1',
      B_ROUTE_ID: '0123456789ABCDEF0123456789ABCDEF',
      B_ROUTE_PASSWORD: 'pa ss#word',
      WEBHOOK_URL: 'http://h/x?a=1#frag',
      PLAIN: 'value',
      HASH: 'a#b',
      ESC: 'line1\nline2 "q" \\',
      SINGLE: 'no \\n escape',
      EMPTY: '',
      MULTI: 'first\nsecond',
      WIN: 'crlf',
    });
  });

  it('keeps the text of an unterminated quote and lets later keys win', () => {
    expect(parseDotenv('A="open\nB=1\nB=2')).toEqual({ A: '"open', B: '2' });
  });

  it('reads a long file with an unterminated quote in one pass (linear, not rescanned line by line)', () => {
    // Quadratic parsing took seconds here; the result is what must hold, the time goes to the bench.
    const n = 20_000;
    const keys = Array.from({ length: n }, (_, k) => `K${k}=${k}`);
    const parsed = parseDotenv(
      ['OPEN="never closed', ...keys, "M='one", "two'", ...keys, "SQ='open"].join('\n'),
    );
    expect(parsed.OPEN).toBe('"never closed');
    expect(parsed.M).toBe('one\ntwo');
    expect(parsed.SQ).toBe("'open");
    expect(parsed[`K${n - 1}`]).toBe(String(n - 1));
    expect(Object.keys(parsed)).toHaveLength(n + 3);
  });

  it('returns null for a missing file and parses an existing one', () => {
    const dir = tempDir('hems-env-');
    expect(readDotenvFile(join(dir, '.env'))).toBeNull();
    writeFileSync(join(dir, '.env'), 'A=1\n');
    expect(readDotenvFile(join(dir, '.env'))).toEqual({ A: '1' });
  });
});

describe('the installer’s .env quoting', () => {
  it('reads back exactly what scripts/envfile.sh writes, whatever the value holds', () => {
    const values = [
      'plain',
      'with space',
      'a"quote',
      'back\\slash',
      'dol$lar$(id)',
      'back`tick`',
      "it's",
      '100% & #x',
    ];
    // One bash for all values (a NUL after each quoted one): a shell start costs more than the quoting.
    const quoted = execFileSync(
      'bash',
      [
        '-c',
        'source scripts/envfile.sh && for v in "$@"; do env_quote "$v"; printf "\\0"; done',
        'x',
        ...values,
      ],
      { cwd: join(import.meta.dirname, '..', '..'), encoding: 'utf8' },
    ).split('\0');
    expect(quoted.pop()).toBe('');
    expect(quoted).toHaveLength(values.length);
    const text = quoted.map((q, i) => `K${i}=${q}`).join('\n');
    const parsed = parseDotenv(text);
    expect(values.map((_, i) => parsed[`K${i}`])).toEqual(values);
  });
});
