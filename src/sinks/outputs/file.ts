import { field } from '../../config/field.js';
import * as p from '../../config/parsers.js';
import { describeSink } from '../descriptor.js';
import { FORMATS, type RecordFormat } from '../format.js';

/** `-o file`: records appended to a file (the extension rule is config/schema.ts resolveFilePath). */
export const fileOutput = describeSink({
  summary: 'append each record to a file (--file, FILE_FORMAT)',
  remote: false,
  fields: {
    file: field({
      option: 'file',
      flag: '--file',
      arg: '<path>',
      help: 'path for file output (HEMS_FILE; default hems_data.dat + .json/.yaml/.csv)',
      env: 'HEMS_FILE',
      default: 'hems_data.dat',
      parse: p.nonEmpty,
    }),
    /** Format for file output: -f when given, else FILE_FORMAT, else csv (the -f option is core's). */
    fileFormat: field<RecordFormat>({
      option: 'format',
      flag: '--format',
      env: 'FILE_FORMAT',
      default: 'csv',
      parse: p.oneOf(FORMATS),
    }),
  },
  async load() {
    const { createFileSink } = await import('../file.js');
    return (config) => createFileSink({ path: config.filePath, format: config.fileFormat });
  },
});
