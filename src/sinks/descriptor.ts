import type { FieldTable, FieldValuesOf } from '../config/field.js';
import type { Logger } from '../log.js';
import type { RecordFormat } from './format.js';
import type { PeriodCost } from './mqtt-discovery.js';
import type { Sink } from './types.js';

/** What the run gives an output when it builds it, besides the configuration. */
export interface SinkContext {
  /** The output's own logger (`[hems:NAME]`). */
  logger: Logger;
  /** With a tariff: the billing period so far (read from the store), else null. */
  cost: (() => PeriodCost | null) | null;
}

/** Settings of the collector an output may read besides its own (a slice of the Config). */
export interface SharedSettings {
  /** `-f`: the record format of stdout. */
  format: RecordFormat;
  /** The file output's path after the extension rule (config/schema.ts resolveFilePath). */
  filePath: string;
  stateDir: string;
  timezone: string;
}

export type SinkFactory<F extends FieldTable = FieldTable> = (
  settings: FieldValuesOf<F> & SharedSettings,
  ctx: SinkContext,
) => Sink | Promise<Sink>;

/** A setting the output cannot run without: "--output NAME needs WHAT: give --flag or set ENV". */
export interface Requirement<K extends string> {
  field: K;
  what: string;
  example?: string;
}

/**
 * An output, as it describes itself to the registry (registry.ts): everything the config
 * schema, the CLI help, `check-config`, the installer and `/metrics` need to know, plus a
 * loader so that its implementation (and its libraries) load only when it is chosen.
 */
export interface SinkDescriptor<F extends FieldTable = FieldTable> {
  /** One line for `--help` and the installer (`POST each record as JSON to a URL`). */
  summary: string;
  /** Remote outputs retry with backoff from their outbox; local ones at the next reading. */
  remote: boolean;
  /** Its own settings, merged into the configuration (names must not clash with others). */
  fields: F;
  requires?: readonly Requirement<Extract<keyof F, string>>[];
  load(): Promise<SinkFactory<F>>;
}

/** Declares an output (keeps its field table's exact type for the Config type). */
export const describeSink = <F extends FieldTable>(d: SinkDescriptor<F>): SinkDescriptor<F> => d;

/** Any output's descriptor (its factory takes its own settings: the table is only read here). */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds outputs with different settings
export type AnySinkDescriptor = SinkDescriptor<any>;
