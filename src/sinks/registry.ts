/**
 * Every output, by its `-o` name. A new output is one module in outputs/ and one line here:
 * the configuration, `--help`, `check-config`, the installer's questions (`config-fields`) and
 * `/metrics` all read this table. The order is the order of `--help`.
 */
import type { AnySinkDescriptor } from './descriptor.js';
import { fileOutput } from './outputs/file.js';
import { gcloudOutput } from './outputs/gcloud.js';
import { mqttOutput } from './outputs/mqtt.js';
import { stdoutOutput } from './outputs/stdout.js';
import { webhookOutput } from './outputs/webhook.js';

export const OUTPUTS = {
  stdout: stdoutOutput,
  file: fileOutput,
  webhook: webhookOutput,
  gcloud: gcloudOutput,
  mqtt: mqttOutput,
} satisfies Record<string, AnySinkDescriptor>;

/** Output names, as given to `-o/--output`. */
export type OutputName = keyof typeof OUTPUTS;
export const OUTPUT_NAMES = Object.keys(OUTPUTS) as OutputName[];
