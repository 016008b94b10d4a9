import { Command, InvalidArgumentError, Option } from 'commander';
import type { Overrides } from '../container.ts';
import { parsePlatform, type Platform } from '../contracts/image-identity.ts';
import type { PluginKind } from '../contracts/plugin.ts';
import { version } from '../package-info.ts';
import type { PluginHost } from '../plugins/plugin-host.ts';
import { KINDS } from '../plugins/plugin-kinds.ts';
import { parseShard } from './shard.ts';

/** What the command line asked for, once parsed. */
export interface Invocation {
  command: 'push' | 'pull' | 'lock merge' | RecordCommand | 'init';
  args: string[];
  global: { config?: string; storage?: string; json?: boolean; quiet?: boolean; debug?: boolean; trustConfigUrl?: boolean };
  options: Record<string, unknown>;
  overrides: Overrides;
}

/** The commands on archived records, each in its own file (src/cli/<name>-command.ts). */
export type RecordCommand = 'versions' | 'inspect' | 'verify' | 'cite';

const REFERENCE = 'a DOI, DOI link, record link, record id, or concept DOI (dir storage: a record id, a concept id, or NAME[:TAG])';

const EXAMPLES_RECORDS = {
  versions: `
Examples:
  $ donodo versions 10.5281/zenodo.122             every version of the concept (any of its DOIs works)
  $ donodo versions my/image --storage dir --dir ./archive --json`,
  inspect: `
Examples:
  $ donodo inspect 10.5281/zenodo.123              metadata, files, image id, platform, the restore command
  $ donodo inspect 10.5281/zenodo.122 --tag 1.2 --json`,
  verify: `
Examples:
  $ donodo verify 10.5281/zenodo.123 10.5281/zenodo.124
  $ donodo verify --lock                           every published entry of donodo.lock.json, e.g. weekly in CI
  $ donodo verify my/image:1.2 --storage dir --dir ./archive --json`,
  cite: `
Examples:
  $ donodo cite 10.5281/zenodo.123                 APA, of this version
  $ donodo cite 10.5281/zenodo.122 --format bibtex the concept DOI: all versions
  $ donodo cite 10.5281/zenodo.123 --format cff > CITATION.cff
  $ donodo cite 10.5281/zenodo.122 --badge         a Markdown DOI badge for a README`,
  init: `
Examples:
  $ donodo init --image my/tool:1.0 --image my/tool:1.1
  $ donodo init --image my/tool:1.0 --storage dir --dir ./archive`,
};

const EXAMPLES_PUSH = `
Examples:
  $ donodo push my/image:1.2 -y                    publish on Zenodo (token in ZENODO_TOKEN)
  $ donodo push my/image:1.2 --dir ./archive       into a local archive folder (the dir storage)
  $ donodo push my/image:1.0 my/image:1.1 --json  several tags: versions of one concept
  $ donodo push --all --dry-run                    what the configuration's "images" would do
  $ donodo push my/image:1.2 -t zenodo_template.json --storage zenodo --sandbox
  $ donodo push podman:my/image:1.2 -y             from Podman
  $ donodo push docker-archive:image.tar -y        a docker save file (its name and tag)
  $ donodo push oci:./layout:1.2 --name my/image:1.2   an OCI layout, which carries no repository name
  $ donodo push docker://ghcr.io/team/tool:1.2 -y     straight from a registry, no engine needed`;

const EXAMPLES_PULL = `
Examples:
  $ donodo pull 10.5281/zenodo.123                 a version DOI, a DOI link, a record link or id
  $ donodo pull 10.5281/zenodo.122 --tag 1.2       a concept DOI: its version 1.2 (else the latest)
  $ donodo pull 7 --dir ./archive
  $ donodo pull 10.5281/zenodo.123 podman:         into Podman
  $ donodo pull 10.5281/zenodo.123 docker-archive:image.tar   into a file docker load / podman load read, no engine needed`;

const EXAMPLES_LOCK_MERGE = `
Examples:
  $ donodo lock merge shard-1/donodo.lock.json shard-2/donodo.lock.json            into ./donodo.lock.json
  $ donodo lock merge locks/*.json -o donodo.lock.json --json`;

/**
 * The command-line interface. Plugins contribute flags (`--dir`, `--sandbox`, …); a flag applies
 * to the plugin that offers it, and is refused when another plugin of that kind is selected.
 */
export function buildProgram(host: PluginHost, onInvoke: (invocation: Invocation) => void): Command {
  const program = new Command('donodo')
    .description('Archive container images as citable, versioned records (Zenodo DOIs or a local archive), and restore them.')
    .version(version)
    .option('-c, --config <file>', 'configuration file (default: donodo.config.json, .donodorc*, or package.json "donodo", searched upwards)')
    .option('--storage <name>', `storage backend: ${host.list('storage').map((p) => p.name).join(', ')}`)
    .option('--json', 'print one JSON object per image on stdout, nothing else')
    .option('-q, --quiet', 'no progress on stderr: only results, warnings and errors')
    .option('--debug', 'print details and stack traces on stderr (secrets masked)')
    .option('--trust-config-url', 'let the configuration file send the token to a host other than zenodo.org and its sandbox (or DONODO_TRUST_CONFIG_URL=1)')
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) })
    .exitOverride();

  const pluginFlags = collectPluginFlags(host);
  const push = program
    .command('push')
    .description('archive images (NAME:TAG of the local engine, or a transport: docker://, podman:, docker-archive:, oci:…) as published versions (all tags of one name: one concept)')
    .argument('[image...]', 'images: NAME:TAG (the Docker engine), docker-daemon:NAME:TAG, podman:NAME:TAG, docker-archive:PATH[:NAME:TAG], oci-archive:PATH[:REF], oci:DIR[:REF], docker://HOST/NAME:TAG (a registry) (a tag other than "latest" is required)')
    .option('--name <name:tag>', 'archive the image under this name and tag (for an archive or layout that carries none, or to rename)')
    .option('-a, --all', 'push every image listed in the configuration\'s "images"')
    .option('-y, --auto-publish', 'publish without asking (publishing is permanent)')
    .option('--yes', 'the same as -y, --auto-publish')
    .option('--force-upload', 'upload the archive even when the draft already holds the same one')
    .addOption(new Option('--archive-format <format>', 'how the image is stored: oci-layout (image.tar, layers compressed one by one; default) or docker-save (image.tar.gz, the whole docker save stream compressed)').choices(['oci-layout', 'docker-save']))
    .option('--replace-draft', "take over the concept's unpublished draft even when it holds another tag (its archive is deleted)")
    .option('--conceptrecid <id>', 'add the version to this concept record instead of finding it by title')
    .option('-t, --templates <file-or-url>', 'a deposition metadata template (JSON file or https URL), over the configured ones; repeat for several (later ones win)', (value: string, previous?: string[]) => [...(previous ?? []), value])
    .option('--dry-run', 'inspect, render and validate the metadata, find what would be created, resumed or versioned; write nothing')
    .option('--concurrency <n>', 'image names worked on at once (tags of one name go in order)', (v) => positiveInt(v, '--concurrency'))
    .option('--lock-file <path>', 'lock file recording what was archived (default: donodo.lock.json beside the configuration)')
    .option('--no-lock', 'neither read nor write a lock file')
    .option('--shard <k/n>', 'push only this job\'s share of the images: job K of N (e.g. 2/3); all tags of a name go to the same job', parseShard)
    .option('--tag <tag>', 'archive under this tag (with the name the source gives): what a digest reference (docker://HOST/NAME@sha256:…) needs')
    .option('--platform <os/arch[/variant]>', 'of a multi-platform image, archive this platform (repeatable; default: this machine\'s)', collectPlatform, undefined)
    .option('--all-platforms', 'of a multi-platform image, archive every platform (the whole index, its digest kept)')
    .option('--insecure-registry <host>', 'speak plain http to this registry host (repeatable; this machine always is)', (value: string, previous: string[] = []) => [...previous, value])
    .addHelpText('after', EXAMPLES_PUSH);
  const pull = program
    .command('pull')
    .description('restore an archived image into Docker (or Podman, or a file), and check it is the one archived')
    .argument('<reference>', 'a DOI, DOI link, record link, record id, or concept DOI')
    .argument('[destination]', 'where to: the Docker engine (default), docker-daemon:[NAME:TAG], podman:[NAME:TAG], docker-archive:PATH, oci-archive:PATH, oci:DIR, docker://HOST/NAME[:TAG] (a registry)')
    .option('--tag <tag>', 'with a concept reference: the version with this tag instead of the latest')
    .option('--name <name:tag>', 'give the image this name instead of the one the record names')
    .option('--archive-tags', 'also set the tags the archive gives that the record does not name (each move is reported)')
    .option('--no-lock', 'accepted as push takes it; pull never reads or writes a lock file')
    .option('--platform <os/arch[/variant]>', 'of a multi-platform archive, load this platform (default: this machine\'s, where the archive holds it)', (value: string) => collectPlatform(value)[0]!)
    .addHelpText('after', EXAMPLES_PULL);

  program
    .command('lock')
    .description('work on lock files (donodo.lock.json)')
    .command('merge')
    .description('merge the lock files of several jobs of one batch (push --shard K/N) into one; contradictions are refused')
    .argument('<lock-file...>', 'the lock files to merge')
    .option('-o, --output <file>', "where to write the merged file, its own entries included (default: the project's lock file, donodo.lock.json beside the configuration)")
    .addHelpText('after', EXAMPLES_LOCK_MERGE)
    .action((files: string[], options: Record<string, unknown>) => {
      const global = program.opts() as Invocation['global'];
      onInvoke({ command: 'lock merge', args: files, global, options, overrides: {} });
    });

  const versions = program
    .command('versions')
    .description('list every published version of a concept: tag, DOI, date, image id, size, platform; the latest marked')
    .argument('<reference>', `${REFERENCE}; any version names its concept`)
    .addHelpText('after', EXAMPLES_RECORDS.versions);
  const inspect = program
    .command('inspect')
    .description('show what a record holds: metadata, files, image identity, platform, and the command that restores it (nothing is downloaded)')
    .argument('<reference>', REFERENCE)
    .option('--tag <tag>', 'with a concept reference: the version with this tag instead of the latest')
    .addHelpText('after', EXAMPLES_RECORDS.inspect);
  const verify = program
    .command('verify')
    .description('download archives and check them against their records (md5 and size, layer digests, image id), with no container engine; exit 1 on any mismatch')
    .argument('[reference...]', REFERENCE)
    .option('--lock', 'check every published entry of the lock file recorded for this storage')
    .option('--lock-file <path>', 'the lock file for --lock (default: donodo.lock.json beside the configuration)')
    .option('--tag <tag>', 'with a concept reference named here: the version with this tag instead of the latest')
    .addHelpText('after', EXAMPLES_RECORDS.verify);
  const cite = program
    .command('cite')
    .description('print a citation of a version, or of the concept when the reference is a concept DOI or id, from the record\'s metadata')
    .argument('<reference>', REFERENCE)
    .addOption(new Option('--format <format>', 'citation format').choices(['apa', 'bibtex', 'csl-json', 'cff']).default('apa'))
    .option('--badge', 'print a Markdown DOI badge instead')
    .option('--tag <tag>', 'with a concept reference: cite its version with this tag')
    .addHelpText('after', EXAMPLES_RECORDS.cite);
  const init = program
    .command('init')
    .description('write a starting donodo.config.json in the working directory (or --config FILE); never overwrites one')
    .option('-i, --image <name:tag>', 'an image for "images" (what push --all archives); repeat it for more', (value: string, list: string[] = []) => [...list, value])
    .addHelpText('after', EXAMPLES_RECORDS.init);

  for (const command of [push, pull, versions, inspect, verify, cite, init]) {
    for (const flag of pluginFlags) command.addOption(flag.option);
    command.action((...received: unknown[]) => {
      const cmd = received[received.length - 1] as Command;
      const options = cmd.opts();
      const overrides: Overrides = { names: {}, options: [] };
      const global = program.opts() as Invocation['global'];
      if (global.storage) overrides.names!.storage = global.storage;
      if (global.trustConfigUrl) overrides.trustConfigUrls = true;
      if (options.insecureRegistry) overrides.insecureRegistries = options.insecureRegistry as string[];
      for (const flag of pluginFlags) {
        const value = options[flag.option.attributeName()];
        if (value === undefined) continue;
        overrides.options!.push({ kind: flag.kind, plugin: flag.plugin, flag: flag.option.long!, option: flag.target, value });
        // A plugin's flag selects its plugin (--dir: the dir storage), unless another was named (--storage zenodo: refused).
        if (flag.kind !== 'metadata') overrides.names![flag.kind] ??= flag.plugin;
      }
      const args = cmd.args;
      onInvoke({ command: cmd.name() as Invocation['command'], args, global, options, overrides });
    });
  }
  return program;
}

function collectPluginFlags(host: PluginHost): Array<{ option: Option; kind: PluginKind; plugin: string; target: string }> {
  const flags: Array<{ option: Option; kind: PluginKind; plugin: string; target: string }> = [];
  const seen = new Set<string>();
  for (const kind of KINDS) {
    for (const plugin of host.list(kind)) {
      for (const cli of plugin.cliOptions ?? []) {
        // A flag selects its plugin (see the action), except a metadata plugin's: those run side by side.
        const option = new Option(cli.flags, `${cli.description} (${kind} "${plugin.name}"${kind === 'metadata' ? '' : '; selects it'})`);
        if (seen.has(option.long!)) continue;
        seen.add(option.long!);
        flags.push({ option, kind, plugin: plugin.name, target: cli.option });
      }
    }
  }
  return flags;
}

function collectPlatform(value: string, previous: Platform[] = []): Platform[] {
  const platform = parsePlatform(value);
  if (!platform) throw new InvalidArgumentError(`--platform takes OS/ARCH[/VARIANT], e.g. linux/amd64 or linux/arm/v7 (got "${value}").`);
  return [...previous, platform];
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new InvalidArgumentError(`${flag} takes a whole number from 1 to 16 (got "${value}").`);
  return n;
}

/**
 * Whether the command line asks only for help or the version (`--help`, `-h`, `help`, `--version`,
 * `-V`): those run without the configuration and its plugins (see cli.ts).
 */
export function asksForHelpOrVersion(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const args = end === -1 ? argv : argv.slice(0, end);
  return args[0] === 'help' || args.some((a) => a === '--help' || a === '-h' || a === '--version' || a === '-V');
}

/** The command a command line names (its first word that is not an option or an option's value). */
export function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return argv[i + 1];
    if (arg === '--config' || arg === '-c' || arg === '--storage') i += 1;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** The value of `--config`/`-c` in raw arguments, needed before the full parse (plugins add flags). */
export function configFlag(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg === '--config' || arg === '-c') return argv[i + 1];
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
  }
  return undefined;
}
