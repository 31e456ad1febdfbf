import { resolve } from 'node:path';
import { HemsError } from '../errors.js';
import { registerSecret } from '../log.js';
import { readDotenvFile } from './dotenv.js';
import { type Config, FIELDS, type ResolveOptions, resolveConfig } from './schema.js';

export interface LoadOptions extends ResolveOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/**
 * Builds the Config from commander's options, the environment and `.env` (the file named
 * by --env-file, else `.env` in the working directory). Throws one CONFIG_INVALID HemsError
 * whose `context.problems` lists every problem; the B-route ID and password are registered
 * as secrets before anything can log them.
 */
export function loadConfig(options: Record<string, unknown>, lo: LoadOptions = {}): Config {
  const env = lo.env ?? process.env;
  const cwd = lo.cwd ?? process.cwd();
  const problems: string[] = [];
  let dotenv: Record<string, string> | undefined;
  // --dotenv, or its alias --env-file (see cli/program.ts).
  const flag = typeof options.dotenv === 'string' ? '--dotenv' : '--env-file';
  const given = options.dotenv ?? options.envFile;
  const named = typeof given === 'string' ? given : undefined;
  const path = resolve(cwd, named ?? '.env');
  try {
    const parsed = readDotenvFile(path);
    if (parsed === null && named !== undefined) problems.push(`${flag}: ${named} does not exist`);
    dotenv = parsed ?? undefined;
  } catch (e) {
    problems.push(`${named === undefined ? '.env' : flag}: cannot read ${path} (${(e as Error).message})`);
  }
  for (const k of ['B_ROUTE_ID', 'B_ROUTE_PASSWORD'] as const) {
    registerSecret(env[k]);
    registerSecret(dotenv?.[k]);
  }
  const result = resolveConfig({ options, env, dotenv }, lo);
  if (!result.ok) problems.push(...result.problems);
  if (problems.length > 0 || !result.ok) {
    throw new HemsError('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`, { problems });
  }
  for (const [key, f] of Object.entries(FIELDS)) {
    const value = result.config[key as keyof typeof FIELDS];
    if (!('secret' in f && f.secret)) continue;
    if (typeof value === 'string') registerSecret(value);
    else if (value !== null && typeof value === 'object')
      for (const v of Object.values(value)) registerSecret(v);
  }
  return result.config;
}

/** The problems of a CONFIG_INVALID error, one per line. */
export function configProblems(e: HemsError): string[] {
  const list = e.context.problems;
  return Array.isArray(list) ? list.map(String) : [e.message];
}
