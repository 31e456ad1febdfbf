import { readFileSync } from 'node:fs';

/**
 * A small `.env` parser: `KEY=VALUE` lines, optional `export ` prefix, `#` comments,
 * single quotes (taken literally), double quotes (with \n \r \t \" \\ \$ \` escapes, as bash and
 * systemd's EnvironmentFile= read the installer's quoting; may span
 * lines), and unquoted values with trailing ` # comment` removed.
 *
 * Linear in the text: a quoted value is scanned once for its closing quote, and a search that
 * found none is remembered, so a file of unterminated quotes is not rescanned line after line.
 */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const src = text.replace(/\r\n?/g, '\n');
  // From these positions on there is no closing quote of that kind: any later search fails too
  // (an opening quote after such a position was itself skipped as escaped, so the scans agree).
  const noClose: Record<string, number> = { '"': Number.POSITIVE_INFINITY, "'": Number.POSITIVE_INFINITY };
  let i = 0;
  while (i < src.length) {
    const eol = src.indexOf('\n', i);
    const lineEnd = eol === -1 ? src.length : eol;
    const line = src.slice(i, lineEnd);
    i = lineEnd + 1;
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue; // blank lines, comments and junk are ignored
    const key = m[1] as string;
    let rest = m[2] as string;
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      // The closing quote may be on a later line (multi-line value).
      const start = lineEnd - rest.length + 1;
      const close = start >= (noClose[quote] as number) ? -1 : findClose(src, start, quote);
      if (close === -1) {
        noClose[quote] = Math.min(noClose[quote] as number, start);
        out[key] = rest.trim(); // unterminated quote: keep this line as written
        continue;
      }
      const raw = src.slice(start, close);
      out[key] = quote === '"' ? unescapeDouble(raw) : raw;
      const after = src.indexOf('\n', close);
      i = after === -1 ? src.length : after + 1;
      continue;
    }
    const hash = rest.search(/\s#/);
    if (hash !== -1) rest = rest.slice(0, hash);
    out[key] = rest.trim();
  }
  return out;
}

/** Index in `src` of the quote closing a value that starts at `from`, or -1. */
function findClose(src: string, from: number, quote: string): number {
  if (quote === "'") return src.indexOf("'", from);
  for (let k = from; k < src.length; k++) {
    const c = src[k];
    if (c === '\\') {
      k++;
      continue;
    }
    if (c === quote) return k;
  }
  return -1;
}

function unescapeDouble(raw: string): string {
  return raw.replace(/\\([nrt"\\$`])/g, (_m, c: string) => {
    switch (c) {
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      default:
        return c;
    }
  });
}

/**
 * Reads a `.env` file. A missing default file is not an error (returns null); a missing
 * file the user named with --env-file is reported by the caller.
 */
export function readDotenvFile(path: string): Record<string, string> | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  return parseDotenv(text);
}
