import type { Logger } from '../../src/log.js';

export interface Captured extends Logger {
  lines: { level: string; msg: string }[];
}

/** A logger that keeps every line (debug included) with its level, for tests to read. */
export function captureLogger(): Captured {
  const lines: { level: string; msg: string }[] = [];
  const log: Captured = {
    lines,
    debug: (m) => lines.push({ level: 'debug', msg: typeof m === 'function' ? m() : m }),
    info: (m) => lines.push({ level: 'info', msg: m }),
    warn: (m) => lines.push({ level: 'warn', msg: m }),
    error: (m) => lines.push({ level: 'error', msg: m }),
    child: () => log,
  };
  return log;
}
