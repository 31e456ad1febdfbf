export interface Patience {
  /** Deadline; default 10 s. */
  ms?: number;
  /** Pause between two checks; default 10 ms. 0 checks on every turn of the event loop
   *  (setImmediate), for in-process fakes whose states pass within a few ticks. */
  everyMs?: number;
}

/**
 * Resolves once `cond()` holds, checking it again and again; after `ms` throws, naming `what`
 * (a function: worded when the time is up, say with the output so far). For outcomes with no
 * event to await: where an event exists, await it instead.
 */
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string | (() => string) = 'condition',
  { ms = 10_000, everyMs = 10 }: Patience = {},
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) {
      throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`);
    }
    await new Promise((r) => (everyMs === 0 ? setImmediate(r) : setTimeout(r, everyMs)));
  }
}
