/** The link mode's results (bench.ts --link): end-to-end times on a throttled link, the level that wins, the target row. */
import { BINDING_FROM_MB, median, type Sample, type Target } from './report.ts';

export interface LinkResult {
  /** The image's name in the tables ("500 MB", "real 700 MB"). */
  image: string;
  sizeMb: number;
  /** The link's rate, MB/s (10^6 bytes). */
  rate: number;
  /** The default level of donodo's compressor, whose push row is the target's. */
  defaultLevel: number;
  /** donodo push per gzip level. */
  pushByLevel: Map<number, Sample[]>;
  baselinePush: Sample[];
  donodoPull: Sample[];
  baselinePull: Sample[];
}

const wall = (samples: readonly Sample[]) => median(samples.map((s) => s.wallS));
const size = (samples: readonly Sample[]) => Math.max(...samples.map((s) => s.archiveBytes ?? NaN));
const fmt = (s: number) => (Number.isFinite(s) ? `${s.toFixed(2)} s` : '—');
const runsOf = (samples: readonly Sample[]) => samples.map((s) => s.wallS.toFixed(2)).join(', ');

/** The level whose push was fastest end to end on this link. */
export function winningLevel(result: LinkResult): number | undefined {
  let best: [number, number] | undefined;
  for (const [level, samples] of result.pushByLevel) if (!best || wall(samples) < best[1]) best = [level, wall(samples)];
  return best?.[0];
}

export function linkTable(results: readonly LinkResult[]): string {
  const rows = ['| image | link | operation (end to end) | wall (median) | runs | archive |', '| --- | --- | --- | ---: | --- | ---: |'];
  for (const r of results) {
    const link = `${r.rate} MB/s`;
    let first = true;
    const row = (what: string, samples: readonly Sample[]) => {
      rows.push(`| ${first ? r.image : ''} | ${first ? link : ''} | ${what} | ${fmt(wall(samples))} | ${runsOf(samples)} | ${Number.isFinite(size(samples)) ? `${(size(samples) / 1e6).toFixed(1)} MB` : '—'} |`);
      first = false;
    };
    for (const [level, samples] of [...r.pushByLevel].sort((a, b) => a[0] - b[0])) row(`donodo push, gzip level ${level}${level === r.defaultLevel ? ' (default)' : ''}`, samples);
    row('baseline push: `docker save \\| pigz -p 2 > f` + `curl -T f`', r.baselinePush);
    row('donodo pull of `image.tar`', r.donodoPull);
    row('baseline pull: `curl \\| gunzip \\| docker load`', r.baselinePull);
    rows.push(`|  |  | level that wins on this link: **${winningLevel(r) ?? '—'}** |  |  |  |`);
  }
  return rows.join('\n');
}

/** The link rows of issue 15: end-to-end push at the default level on a 25 MB/s link against the baseline (other rates: information). */
export function linkTargets(results: readonly LinkResult[]): Target[] {
  return results.map((r) => {
    const value = wall(r.pushByLevel.get(r.defaultLevel) ?? []) / wall(r.baselinePush);
    return {
      sizeMb: r.sizeMb,
      image: `${r.image}, ${r.rate} MB/s link`,
      figure: `end-to-end push (level ${r.defaultLevel}) / baseline on that link`,
      value: Number.isFinite(value) ? value.toFixed(3) : '—',
      target: '≤ 0.95',
      met: Number.isFinite(value) ? value <= 0.95 : undefined,
      binding: r.rate === 25 && r.sizeMb >= BINDING_FROM_MB,
    };
  });
}
