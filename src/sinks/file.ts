import { open } from 'node:fs/promises';
import { HemsError, isHemsError } from '../errors.js';
import type { Envelope } from '../reading/record.js';
import { csvHeader, type RecordFormat, renderRecord } from './format.js';
import type { Sink } from './types.js';

/** The few file operations the sink needs (a fake one simulates a full disk in tests). */
export interface AppendFile {
  size(): Promise<number>;
  /** One write call; returns the bytes written (may be short). */
  write(data: Uint8Array): Promise<number>;
  truncate(size: number): Promise<void>;
  close(): Promise<void>;
}

export type OpenAppend = (path: string) => Promise<AppendFile>;

export const openAppend: OpenAppend = async (path) => {
  const fh = await open(path, 'a');
  return {
    size: async () => (await fh.stat()).size,
    write: async (data) => (await fh.write(data, 0, data.length)).bytesWritten,
    truncate: (size) => fh.truncate(size),
    close: () => fh.close(),
  };
};

export interface FileSinkOptions {
  /** The final path (extension rule already applied, see resolveFilePath). */
  path: string;
  format: RecordFormat;
  openFile?: OpenAppend;
}

function describeFsError(e: unknown, path: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return `disk full writing ${path}`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied writing ${path}`;
    case 'EROFS':
      return `read-only file system writing ${path}`;
    case 'ENOENT':
      return `cannot write ${path}: its directory does not exist`;
    case 'EISDIR':
      return `cannot write ${path}: it is a directory`;
    default:
      return `cannot write ${path}: ${(e as Error).message}`;
  }
}

/**
 * Appends each record to a file. The CSV header is written when the file is new or empty
 * (also after a restart). Each record is written whole or not at all: one write call of
 * the complete text, and on a short or failed write the file is cut back to its previous
 * size. Failures throw OUTPUT_RETRYABLE (the record is retried next cycle).
 */
export function createFileSink(opts: FileSinkOptions): Sink {
  const openFile = opts.openFile ?? openAppend;
  return {
    name: 'file',
    remote: false,
    async deliver(env: Envelope): Promise<void> {
      let f: AppendFile;
      try {
        f = await openFile(opts.path);
      } catch (e) {
        throw new HemsError('OUTPUT_RETRYABLE', describeFsError(e, opts.path));
      }
      try {
        const before = await f.size();
        const text =
          (opts.format === 'csv' && before === 0 ? csvHeader() : '') + renderRecord(opts.format, env);
        const data = Buffer.from(text, 'utf8');
        let failure: unknown = null;
        try {
          const n = await f.write(data);
          if (n !== data.length) failure = Object.assign(new Error('short write'), { code: 'ENOSPC' });
        } catch (e) {
          failure = e;
        }
        if (failure !== null) {
          await f.truncate(before).catch(() => {});
          throw new HemsError('OUTPUT_RETRYABLE', describeFsError(failure, opts.path));
        }
      } catch (e) {
        if (isHemsError(e)) throw e;
        throw new HemsError('OUTPUT_RETRYABLE', describeFsError(e, opts.path));
      } finally {
        await f.close().catch(() => {});
      }
    },
    async stop(): Promise<void> {},
  };
}
