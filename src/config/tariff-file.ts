import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseTariff } from '../tariff/parse.js';
import type { Tariff } from '../tariff/types.js';
import { Bad, nonEmpty } from './parsers.js';

/**
 * `--tariff FILE` / `TARIFF_FILE`: reads and validates the tariff file (relative paths from the
 * working directory). Every problem of the file becomes its own line, prefixed with the path.
 */
export function tariffFile(raw: unknown): Tariff {
  const path = nonEmpty(raw);
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Bad(
      code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path} (${(e as Error).message})`,
    );
  }
  const r = parseTariff(text);
  if (r.ok) return r.tariff;
  throw new Bad(
    `${path}: ${r.problems[0]}`,
    undefined,
    r.problems.slice(1).map((p) => `${path}: ${p}`),
  );
}
