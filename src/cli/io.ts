/** Where the CLI writes: data and help to `out` (stdout), problems to `err` (stderr). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** True once the reader of `out` went away (`… | head`): a long output may stop there. */
  closed?(): boolean;
}

let stdoutGone = false;

/** main.ts calls this when a write to stdout failed with EPIPE. */
export function markStdoutClosed(): void {
  stdoutGone = true;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  closed: () => stdoutGone,
};

/** Exit codes: 0 done, 1 runtime failure, 2 bad usage or configuration. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
