import { HemsError } from '../errors.js';
import type { Envelope } from '../reading/record.js';
import { csvHeader, type RecordFormat, renderRecord } from './format.js';
import type { Sink } from './types.js';

export interface StdoutSinkOptions {
  format: RecordFormat;
  /** Defaults to process.stdout; resolves once the text is handed to the stream. */
  write?: (text: string) => Promise<void>;
}

function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

/** Data to stdout only (logs go to stderr); the CSV header once per process. */
export function createStdoutSink(opts: StdoutSinkOptions): Sink {
  const write = opts.write ?? writeStdout;
  let headerDone = false;
  return {
    name: 'stdout',
    remote: false,
    async deliver(env: Envelope): Promise<void> {
      const needHeader = opts.format === 'csv' && !headerDone;
      const text = (needHeader ? csvHeader() : '') + renderRecord(opts.format, env);
      try {
        await write(text);
      } catch (e) {
        throw new HemsError('OUTPUT_RETRYABLE', `cannot write to stdout: ${(e as Error).message}`);
      }
      if (needHeader) headerDone = true;
    },
    async stop(): Promise<void> {},
  };
}
