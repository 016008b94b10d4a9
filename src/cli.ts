#!/usr/bin/env node
import { CommanderError } from 'commander';
import { askYesNo } from './cli/ask.ts';
import { Interruption } from './cli/interruption.ts';
import { citeCommand } from './cli/cite-command.ts';
import type { CommandIo } from './cli/command-io.ts';
import { initCommand } from './cli/init-command.ts';
import { inspectCommand } from './cli/inspect-command.ts';
import { lockMergeCommand } from './cli/lock-command.ts';
import { asksForHelpOrVersion, buildProgram, commandOf, configFlag, type Invocation, type RecordCommand } from './cli/program.ts';
import { pushCommand } from './cli/push-command.ts';
import { verifyCommand } from './cli/verify-command.ts';
import { versionsCommand } from './cli/versions-command.ts';
import { printError, printJson, printPull } from './cli/report.ts';
import { SecretMasker } from './output/secret-masker.ts';
import type { RunnerOutput } from './pipeline/runner.ts';
import type { Platform } from './contracts/image-identity.ts';
import { builtinPluginHost, lockFilePath } from './container.ts';
import type { PluginHost } from './plugins/plugin-host.ts';
import { describeError, pull, Session, sweepStaleSpools } from './run.ts';
import type { Services } from './services.ts';
import { tuneForStreaming } from './runtime/streaming-memory.ts';

/**
 * The command-line entry. The only place that decides the exit code:
 * 0 done, 1 an error, 2 uploaded but not published (as the original donodo),
 * 130 interrupted by SIGINT, 143 by SIGTERM (after the work was stopped and cleaned up).
 */
const masker = new SecretMasker();
tuneForStreaming();
// A reader that went away (`donodo … | head -1`) closes the pipe: what is left to print is dropped
// and the run ends as it would have, without a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}
const interruption = new Interruption((text) => void process.stderr.write(text));

/** The commands on archived records: read-only, each in its own file. */
const RECORD_COMMANDS: Record<RecordCommand, (session: Session, services: Services, invocation: Invocation, io: CommandIo) => Promise<number>> = {
  versions: (_session, services, invocation, io) => versionsCommand(services, invocation, io),
  inspect: (_session, services, invocation, io) => inspectCommand(services, invocation, io),
  verify: verifyCommand,
  cite: (_session, services, invocation, io) => citeCommand(services, invocation, io),
};

async function main(argv: string[]): Promise<number> {
  const stdout = masker.guard(process.stdout);
  const stderr = masker.guard(process.stderr);
  const out = (text: string) => void stdout.write(text);
  const err = (text: string) => void stderr.write(text);
  // Help and the version load neither the configuration nor its plugins: a package.json or
  // donodo.config.json above the working directory (a cloned repository's) may name plugin code,
  // and asking for help must not run it. The built-in plugins' flags still show.
  if (asksForHelpOrVersion(argv)) return runProgram(builtinPluginHost(), argv, async () => 0);
  // init writes a configuration, so it reads none (one above may be broken, or the very file it refuses to overwrite).
  if (commandOf(argv) === 'init') {
    return runProgram(builtinPluginHost(), argv, async (invocation) => {
      try {
        return await initCommand(invocation, { out });
      } catch (cause) {
        printError(err, undefined, describeError(cause));
        return 1;
      }
    });
  }
  const wantsJson = argv.includes('--json');
  const debugOn = argv.includes('--debug');
  const interactive = Boolean(process.stdin.isTTY && process.stderr.isTTY && !wantsJson);
  // Any command clears the spools that killed runs left in TMPDIR (a push would hold its own there).
  for (const removed of await sweepStaleSpools()) if (debugOn) err(`debug: removed the spool ${removed} of a run that no longer exists\n`);

  let session: Session;
  try {
    session = await Session.open({
      configFile: configFlag(argv),
      masker,
      interactive,
      debug: debugOn ? (m) => err(`debug: ${m}\n`) : undefined,
      warn: (m) => err(`warning: ${m}\n`),
    });
  } catch (cause) {
    // Help must work even when the configuration does not.
    if (argv.some((a) => a === '--help' || a === '-h' || a === 'help')) return runProgram(builtinPluginHost(), argv, async () => 0);
    printError(err, undefined, describeError(cause));
    return 1;
  }

  return runProgram(session.host, argv, async (invocation) => {
    const { json, debug, quiet } = invocation.global;
    const mode: RunnerOutput['mode'] = quiet ? 'silent' : stderr.isTTY && !json && !debug ? 'live' : 'lines';
    const output: RunnerOutput = {
      mode,
      stream: stderr,
      ask: interactive ? (question, signal) => askYesNo(question, stderr, signal) : undefined,
      debug: invocation.global.debug ? (text) => err(`debug: ${text}\n`) : undefined,
    };
    if (invocation.command === 'lock merge') {
      try {
        return await lockMergeCommand(invocation.args, lockFilePath(session.loaded, invocation.options.output as string | undefined), { out, err, json: Boolean(invocation.global.json) });
      } catch (cause) {
        output.debug?.(String((cause as Error)?.stack ?? cause));
        printError(err, undefined, describeError(cause));
        return 1;
      }
    }
    let services;
    try {
      services = await session.services(invocation.overrides);
    } catch (cause) {
      output.debug?.(String((cause as Error)?.stack ?? cause));
      printError(err, undefined, describeError(cause));
      return 1;
    }
    const record = RECORD_COMMANDS[invocation.command as RecordCommand];
    if (invocation.command === 'push' || record) {
      try {
        const io = { out, err, output, interactive, signal: interruption.signal };
        return await (record ?? pushCommand)(session, services, invocation, io);
      } catch (cause) {
        output.debug?.(String((cause as Error)?.stack ?? cause));
        printError(err, undefined, describeError(cause));
        return 1;
      }
    }
    const result = await pull(services, invocation.args[0]!, { tag: invocation.options.tag as string | undefined, archiveTags: Boolean(invocation.options.archiveTags), destination: invocation.args[1], name: invocation.options.name as string | undefined, platform: invocation.options.platform as Platform | undefined, output, signal: interruption.signal });
    if (result.error) printError(err, undefined, result.error);
    if (invocation.global.json) printJson(out, result);
    else printPull(out, result);
    return result.status === 'loaded' ? 0 : 1;
  });
}

async function runProgram(host: PluginHost, argv: string[], handle: (invocation: Invocation) => Promise<number>): Promise<number> {
  let invocation: Invocation | undefined;
  const program = buildProgram(host, (i) => (invocation = i));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (cause) {
    if (cause instanceof CommanderError) return cause.exitCode === 0 ? 0 : 1;
    throw cause;
  }
  if (!invocation) {
    program.outputHelp({ error: true });
    return 1;
  }
  return handle(invocation);
}

main(process.argv.slice(2)).then(
  (code) => {
    const interrupted = interruption.exitCode;
    if (interrupted === undefined) {
      process.exitCode = code;
      return;
    }
    // Work left behind on interruption (an upload's socket) must not keep the process alive.
    process.exit(interrupted);
  },
  (cause: unknown) => {
    process.stderr.write(masker.mask(`donodo: internal error: ${String((cause as Error)?.stack ?? cause)}\n`));
    process.exitCode = 1;
  },
);
