import { describe, expect, it } from 'vitest';
import { createLogger, redact, registerSecret, urlForDisplay } from '../src/log.js';

describe('redaction', () => {
  it('masks a secret of any length; short ones only as whole tokens', () => {
    registerSecret('a7');
    registerSecret('q');
    // Whole tokens go; the same letters inside words, numbers and hex stay readable.
    expect(redact('pw=a7 or (a7) "q" q')).toBe('pw=**** or (****) "****" ****');
    expect(redact('SKSENDTO 1 FE80 0E1A a7b qa7 Iraq q1')).toBe('SKSENDTO 1 FE80 0E1A a7b qa7 Iraq q1');
  });

  it('masks the arguments of SKSETPWD and SKSETRBID and URL or header credentials, registered or not', () => {
    expect(redact('> SKSETPWD 3 abc')).toBe('> SKSETPWD 3 ****');
    expect(redact('< SKSETRBID 00112233445566778899AABBCCDDEEFF')).toBe('< SKSETRBID ****');
    expect(redact('connecting to mqtt://bob:p@ss@broker:1883/x')).toBe(
      'connecting to mqtt://****@broker:1883/x',
    );
    expect(redact('sent Authorization: Bearer xyz and {"authorization":"Basic dXNlcjpwdw=="}')).toBe(
      'sent Authorization: Bearer **** and {"authorization":"Basic ****"}',
    );
  });

  it('masks before serialising, so JSON log lines stay valid and escaped secrets are caught', () => {
    registerSecret('9');
    registerSecret('sec"ret\\1');
    const lines: string[] = [];
    const log = createLogger({ format: 'json', write: (l) => lines.push(l) });
    log.warn('value 9 of 19', { n: 9, text: 'has sec"ret\\1 inside', list: ['9', 'x'] });
    const parsed = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(parsed).toMatchObject({
      msg: 'value **** of 19',
      n: 9,
      text: 'has **** inside',
      list: ['****', 'x'],
    });
    expect(lines[0]).not.toContain('sec');
  });

  it('shows a URL as scheme and host only', () => {
    expect(urlForDisplay('https://hooks.slack.com/services/T0/B0/XXXX?x=1')).toBe('https://hooks.slack.com');
    expect(urlForDisplay('http://u:p@127.0.0.1:8080/k')).toBe('http://127.0.0.1:8080');
    expect(urlForDisplay('https://user:pass@exa mple.com/')).toBe('https://****@exa mple.com/…');
    expect(urlForDisplay('no scheme here')).toBe('no scheme here');
  });
});
