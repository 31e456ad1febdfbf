/**
 * One setting: where its value may come from (option, environment variable, `.env` key), its
 * default, its parser, and how the CLI help and the installer present it. The core settings
 * (config/schema.ts) and every output's own (sinks/outputs/*.ts) are tables of these, so the
 * schema, the commander options, `check-config` and the installer's questions are generated
 * from one place. A leaf module: it imports nothing of ours.
 */

/** Which commands offer the option: all that read settings, those that open the dongle, or the collector (and check-config). */
export type FieldScope = 'common' | 'dongle' | 'run';

export interface Field<T> {
  /** commander's key for the option (camelCase), if the value can come from the command line. */
  option?: string;
  /** The option as the user types it (`--webhook-url`), for help and messages. */
  flag?: string;
  /** A one-letter alias (`-o`). */
  short?: string;
  /** The option's argument as commander spells it (`<url>`, `[types...]`); none for a switch. */
  arg?: string;
  /** Help line of the option. A field without one shares an option declared by another (-f). */
  help?: string;
  /** Default 'run'. */
  scope?: FieldScope;
  env?: string;
  default: NoInfer<T>;
  parse: (raw: unknown) => T;
  /** Never echo the value in messages; registered for redaction. */
  secret?: boolean;
  /** The installer asks for it (when its output is chosen): the prompt and the answer proposed. */
  ask?: { prompt: string; default?: string };
}

// biome-ignore lint/suspicious/noExplicitAny: a table holds fields of every value type
export type FieldTable = Record<string, Field<any>>;

/** The parsed values of a table of fields. */
export type FieldValuesOf<F> = { [K in keyof F]: F[K] extends Field<infer T> ? T : never };

export const field = <T>(f: Field<T>): Field<T> => f;
