import { describeSink } from '../descriptor.js';

/** `-o stdout`: records on standard output in the `-f` format (logs go to stderr). */
export const stdoutOutput = describeSink({
  summary: 'print each record on standard output (format: -f)',
  remote: false,
  fields: {},
  async load() {
    const { createStdoutSink } = await import('../stdout.js');
    return (config) => createStdoutSink({ format: config.format });
  },
});
