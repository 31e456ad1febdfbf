import { describe, expect, it } from 'vitest';
import { safeUrl } from '../../src/sinks/mqtt.js';

describe('safeUrl', () => {
  it('drops user and password from the URL', () => {
    expect(safeUrl('mqtt://user:secret@broker:1883')).toBe('mqtt://broker:1883');
    expect(safeUrl('not a url')).toBe('<invalid url>');
  });
});
