import { readFileSync } from 'node:fs';

/**
 * A small `.env` parser: `KEY=VALUE` lines, optional `export ` prefix, `#` comments,
 * single quotes (taken literally), double quotes (with \n \r \t \" \\ \$ \` escapes, as bash and
 * systemd's EnvironmentFile= read the installer's quoting; may span
 * lines), and unquoted values with trailing ` # comment` removed.
 */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const src = text.replace(/\r\n?/g, '\n');
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
      const afterFirstLine = i;
      let body = rest.slice(1);
      let close = findClose(body, quote);
      while (close === -1 && i < src.length) {
        const e2 = src.indexOf('\n', i);
        const end2 = e2 === -1 ? src.length : e2;
        body += `\n${src.slice(i, end2)}`;
        i = end2 + 1;
        close = findClose(body, quote);
      }
      if (close === -1) {
        out[key] = rest.trim(); // unterminated quote: keep this line as written
        i = afterFirstLine;
        continue;
      }
      const raw = body.slice(0, close);
      out[key] = quote === '"' ? unescapeDouble(raw) : raw;
      continue;
    }
    const hash = rest.search(/\s#/);
    if (hash !== -1) rest = rest.slice(0, hash);
    out[key] = rest.trim();
  }
  return out;
}

function findClose(body: string, quote: string): number {
  for (let k = 0; k < body.length; k++) {
    const c = body[k];
    if (c === '\\' && quote === '"') {
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
