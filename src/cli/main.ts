#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';
import { markStdoutClosed, processIo } from './io.js';
import { type CommandHandlers, runCli } from './program.js';

// The commands pull in the serial port, SQLite and the outputs; load them only when needed
// so --help, --version and configuration errors answer at once.
const load = () => import('./commands.js').then((m) => m.handlers);
const handlers: CommandHandlers = {
  run: async (opts, io) => {
    // The collector idles between readings: V8's optimising compilers would cost more memory
    // (their code and the code they make, about 6 MiB) than the CPU they save, which measured
    // less without them (README "Performance"). Baseline compiled code (Sparkplug) is kept.
    setFlagsFromString('--max-opt=1');
    const { runCommand } = await import('./run.js');
    return runCommand(opts, io, { wiring: () => import('./commands.js').then((m) => m.runWiring) });
  },
  decode: async (input, opts, io) => (await load()).decode(input, opts, io),
  scan: async (opts, io) => (await load()).scan(opts, io),
  simulate: async (opts, io) => (await load()).simulate(opts, io),
  export: async (opts, io) => (await load()).export(opts, io),
  report: async (opts, io) => (await load()).report(opts, io),
  checkConfig: async (opts, io) => (await import('./run.js')).checkConfigCommand(opts, io),
  configFields: async (opts, io) => (await load()).configFields(opts, io),
};

// The reader of our stdout went away (`… | head`): a running collector stops as if told to,
// keeping what is stored; a command that only prints (export) sees io.closed() and ends with 0.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') {
    if (!processIo.closed?.() && process.listenerCount('SIGTERM') > 0) process.kill(process.pid, 'SIGTERM');
    markStdoutClosed();
  } else process.stderr.write(`error: cannot write to stdout: ${e.message}\n`);
});

const code = await runCli(process.argv.slice(2), handlers, processIo);
process.exitCode = code;
// Let stdout drain and sockets close; if some handle lingers, leave anyway.
setTimeout(() => process.exit(code), 2000).unref();
