/**
 * Medians, the targets of issue 15 (and issue 6's disk and memory rows) and the Markdown report
 * (printed, and written to bench/RESULTS.md).
 */

/** One measured run of one operation. */
export interface Sample {
  wallS: number;
  cpuS: number;
  peakRssKb: number;
  /** Size of the archive the operation produced (push) or of its output (gzip -6). */
  archiveBytes?: number;
  /** Peak of the extra local disk the operation used (donodo: its temp folder; baseline: the file it writes). */
  extraDiskBytes?: number;
}

export type OperationKey =
  | 'donodoPush'
  | 'donodoPushGz'
  | 'baselinePush'
  | 'floorSave'
  | 'donodoPull'
  | 'donodoPullGz'
  | 'baselinePull'
  | 'donodoPullOriginal'
  | 'baselinePullOriginal'
  | 'floorLoad'
  | 'gzip6';

export const OPERATIONS: Record<OperationKey, string> = {
  donodoPush: 'donodo push (`image.tar`, the default)',
  donodoPushGz: 'donodo push `--archive-format docker-save` (`image.tar.gz`)',
  baselinePush: 'baseline push: `docker save \\| pigz -p 2 > f` + `curl -T f`',
  floorSave: 'floor: `docker save > /dev/null`',
  donodoPull: 'donodo pull of `image.tar`',
  donodoPullGz: 'donodo pull of `image.tar.gz` (indexed gzip, inflated in parallel)',
  baselinePull: 'baseline pull: `curl \\| gunzip \\| docker load` (of the pigz archive)',
  donodoPullOriginal: "donodo pull of the original donodo's archive (`docker save \\| gzip -9`, serial path)",
  baselinePullOriginal: 'baseline pull of that archive: `curl \\| gunzip \\| docker load`',
  floorLoad: 'floor: `cat tar \\| docker load`',
  gzip6: 'reference: `gzip -6` of the saved tar (1 run)',
};

export interface SizeResult {
  sizeMb: number;
  /** synthetic or real (bench/real-image.ts). */
  kind?: 'synthetic' | 'real';
  ref: string;
  imageId: string;
  /** Bytes of `docker save` of the image. */
  tarBytes: number;
  samples: Partial<Record<OperationKey, Sample[]>>;
}

export interface Target {
  sizeMb: number;
  /** How the image is named in the tables ("500 MB", "real 700 MB", "500 MB, 25 MB/s link"). */
  image: string;
  figure: string;
  value: string;
  target: string;
  /** true met, false not met, undefined could not be measured. */
  met: boolean | undefined;
  /** Targets bind on the 500 MB image and larger; smaller sizes are shown for information. */
  binding: boolean;
}

/** Sizes from which the targets are binding (the issue asks for them on the 500 MB image, and 2 GB). */
export const BINDING_FROM_MB = 500;

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function max(values: readonly number[]): number {
  return values.length ? Math.max(...values) : NaN;
}

function stat(samples: Sample[] | undefined, pick: (s: Sample) => number | undefined, how: 'median' | 'max'): number {
  const values = (samples ?? []).map(pick).filter((v): v is number => v !== undefined && Number.isFinite(v));
  return how === 'median' ? median(values) : max(values);
}

export const wallOf = (samples?: Sample[]) => stat(samples, (s) => s.wallS, 'median');
const cpuOf = (samples?: Sample[]) => stat(samples, (s) => s.cpuS, 'median');
const rssOf = (samples?: Sample[]) => stat(samples, (s) => s.peakRssKb, 'max');
const archiveOf = (samples?: Sample[]) => stat(samples, (s) => s.archiveBytes, 'max');
const diskOf = (samples?: Sample[]) => stat(samples, (s) => s.extraDiskBytes, 'max');

const MB = 1e6;
const fmtS = (s: number) => (Number.isFinite(s) ? `${s.toFixed(2)} s` : '—');
const fmtKbAsMb = (kb: number) => (Number.isFinite(kb) ? `${((kb * 1024) / MB).toFixed(0)} MB` : '—');
const fmtBytes = (b: number) => (Number.isFinite(b) ? (b >= 10 * MB ? `${(b / MB).toFixed(1)} MB` : `${(b / MB).toFixed(2)} MB`) : '—');
const fmtRatio = (r: number) => (Number.isFinite(r) ? r.toFixed(3) : '—');

export function sizeLabel(sizeMb: number): string {
  return sizeMb >= 1000 ? `${sizeMb / 1000} GB` : `${sizeMb} MB`;
}

/** An image's name in the tables: its size, and "real" for one made of installed files. */
export function imageLabel(r: { sizeMb: number; kind?: string }): string {
  return `${r.kind === 'real' ? 'real ' : ''}${sizeLabel(r.sizeMb)}`;
}

/** Per size, per operation: wall (median, and every run), CPU (median), peak RSS (max), archive, extra disk. */
export function operationsTable(results: readonly SizeResult[]): string {
  const rows = [
    '| image | operation | wall (median) | runs | CPU user+sys (median) | peak RSS (max) | archive | extra disk (peak) |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    let first = true;
    for (const key of Object.keys(OPERATIONS) as OperationKey[]) {
      const samples = r.samples[key];
      if (!samples?.length) continue;
      const runs = samples.map((s) => s.wallS.toFixed(2)).join(', ');
      rows.push(
        `| ${first ? `${imageLabel(r)} (tar ${fmtBytes(r.tarBytes)})` : ''} | ${OPERATIONS[key]} | ${fmtS(wallOf(samples))} | ${runs} | ${fmtS(cpuOf(samples))} | ${fmtKbAsMb(rssOf(samples))} | ${fmtBytes(archiveOf(samples))} | ${fmtBytes(diskOf(samples))} |`,
      );
      first = false;
    }
  }
  return rows.join('\n');
}

/** The figures of issue 15 (and issue 6's disk and memory rows) with their targets, per image. */
export function targets(results: readonly SizeResult[]): Target[] {
  const out: Target[] = [];
  const ops: OperationKey[] = ['donodoPush', 'donodoPushGz', 'donodoPull', 'donodoPullGz', 'donodoPullOriginal'];
  const donodoRss = (r: SizeResult) => Math.max(...ops.map((op) => rssOf(r.samples[op])).filter(Number.isFinite));
  for (const r of results) {
    const binding = r.sizeMb >= BINDING_FROM_MB;
    const add = (figure: string, value: number, limit: number, show: (v: number) => string, target: string) =>
      out.push({ sizeMb: r.sizeMb, image: imageLabel(r), figure, value: show(value), target, met: Number.isFinite(value) ? value <= limit : undefined, binding });
    const ratio = (a: OperationKey, b: OperationKey) => wallOf(r.samples[a]) / wallOf(r.samples[b]);

    add('push wall / (`docker save \\| pigz -p 2 > f` + `curl -T f`)', ratio('donodoPush', 'baselinePush'), 0.7, fmtRatio, '≤ 0.70');
    add('pull wall, `image.tar` (donodo wrote) / (`curl \\| gunzip \\| docker load`)', ratio('donodoPull', 'baselinePull'), 0.75, fmtRatio, '≤ 0.75');
    add('pull wall, `image.tar.gz` (donodo wrote) / (`curl \\| gunzip \\| docker load`)', ratio('donodoPullGz', 'baselinePull'), 0.75, fmtRatio, '≤ 0.75');
    add("pull wall, the original donodo's archive / (`curl \\| gunzip \\| docker load` of it)", ratio('donodoPullOriginal', 'baselinePullOriginal'), 1.0, fmtRatio, '≤ 1.00');
    add('archive size (`image.tar`) / `gzip -6` size', archiveOf(r.samples.donodoPush) / archiveOf(r.samples.gzip6), 1.02, fmtRatio, '≤ 1.02');
    add('peak memory (RSS), every donodo push and pull', (donodoRss(r) * 1024) / MB, 150, (v) => `${v.toFixed(0)} MB`, '≤ 150 MB');
    add('extra disk during push / archive size', diskOf(r.samples.donodoPush) / archiveOf(r.samples.donodoPush), 1.01, fmtRatio, '≤ 1.01 (the spool only)');
  }
  return out;
}

export function targetsTable(list: readonly Target[]): string {
  const rows = ['| image | figure | value | target | result |', '| --- | --- | ---: | --- | --- |'];
  let last = '';
  for (const t of list) {
    const verdict = t.met === undefined ? 'not measured' : t.met ? 'met' : '**not met**';
    rows.push(`| ${t.image !== last ? t.image : ''} | ${t.figure} | ${t.value} | ${t.target} | ${t.binding ? verdict : `${verdict.replaceAll('*', '')} (info)`} |`);
    last = t.image;
  }
  return rows.join('\n');
}

export function verdict(list: readonly Target[]): string {
  const binding = list.filter((t) => t.binding);
  if (binding.length === 0) return `No image of ${sizeLabel(BINDING_FROM_MB)} or more was measured: the targets are shown for information only.`;
  const missed = binding.filter((t) => t.met !== true);
  return missed.length === 0
    ? `Every target is met on the images of ${sizeLabel(BINDING_FROM_MB)} and more.`
    : `Targets not met (${sizeLabel(BINDING_FROM_MB)} and more): ${missed.map((t) => `${t.image} ${t.figure.replaceAll('\\', '').replaceAll('`', '')} = ${t.value}`).join('; ')}.`;
}

export const LEGEND = [
  'Wall time is measured around each process (node start-up included for donodo), CPU is user+sys of',
  'the process (for a pipeline, summed over its commands; the Docker daemon and the in-process Zenodo',
  'emulator are not counted, for any row), peak RSS is GNU time\'s maximum resident set of the process',
  '(the largest command of a pipeline), the maximum over the runs. Runs alternate donodo, baseline,',
  'floor; a pull starts with the image removed from Docker. "extra disk" is donodo\'s temp folder',
  '(sampled every 100 ms) and, for the baseline, the file it writes. MB = 10^6 bytes.',
].join('\n');

/** bench/format.ts writes its section of RESULTS.md between these markers; bench.ts keeps it when it rewrites the file. */
export const FORMAT_BEGIN = '<!-- bench:format begin -->';
export const FORMAT_END = '<!-- bench:format end -->';

export const REGISTRY_BEGIN = '<!-- bench:registry begin -->';
export const REGISTRY_END = '<!-- bench:registry end -->';

/** `text` split into what lies outside the section between these markers and the section itself ('' when absent). */
export function splitSection(text: string, beginMarker: string, endMarker: string): { rest: string; section: string } {
  const begin = text.indexOf(beginMarker);
  const end = text.indexOf(endMarker);
  if (begin < 0 || end < begin) return { rest: text, section: '' };
  return { rest: (text.slice(0, begin) + text.slice(end + endMarker.length)).trimEnd(), section: text.slice(begin, end + endMarker.length) };
}

/** `text` split into what lies outside the format section and the section itself ('' when absent). */
export function splitFormatSection(text: string): { rest: string; section: string } {
  return splitSection(text, FORMAT_BEGIN, FORMAT_END);
}
