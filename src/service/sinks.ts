import type { Config } from '../config/schema.js';
import { HemsError } from '../errors.js';
import type { Logger } from '../log.js';
import { createFileSink } from '../sinks/file.js';
import { createStdoutSink } from '../sinks/stdout.js';
import type { OutputName, Sink } from '../sinks/types.js';

/** Builds a remote output (webhook, gcloud, mqtt); provided by the CLI wiring. */
export type RemoteSinkFactory = (name: OutputName, config: Config, logger: Logger) => Sink | Promise<Sink>;

/** One sink per `-o` value, in the order given. stdout and file are built here. */
export async function buildSinks(
  config: Config,
  logger: Logger,
  remote?: RemoteSinkFactory,
): Promise<Sink[]> {
  const sinks: Sink[] = [];
  for (const name of config.output) {
    if (name === 'stdout') sinks.push(createStdoutSink({ format: config.format }));
    else if (name === 'file')
      sinks.push(createFileSink({ path: config.filePath, format: config.fileFormat }));
    else if (remote) sinks.push(await remote(name, config, logger.child(name)));
    else
      throw new HemsError('SINK_CONFIG', `output ${name} is not available in this build`, { output: name });
  }
  return sinks;
}
