import { createHash } from 'node:crypto';
import { InvalidArgumentError } from 'commander';
import { parseImageRef } from '../image-ref.ts';
import { parseImageLocation } from '../transports/image-location.ts';

/** `--shard K/N`: this job is the K-th (from 1) of N jobs sharing one batch. */
export interface Shard {
  index: number;
  count: number;
}

/** The value of `--shard`, or a usage error naming what is wrong. */
export function parseShard(value: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!match) throw new InvalidArgumentError(`--shard takes K/N, this job's number K (from 1) out of N jobs, e.g. 2/3; got "${value}".`);
  const [index, count] = [Number(match[1]), Number(match[2])];
  if (count < 1 || count > 1000) throw new InvalidArgumentError(`--shard ${value}: the number of jobs N must be from 1 to 1000.`);
  if (index < 1) throw new InvalidArgumentError(`--shard ${value}: K counts from 1 (1/${count} is the first of ${count} jobs, ${count}/${count} the last).`);
  if (index > count) throw new InvalidArgumentError(`--shard ${value}: K must be at most N (${count}); the jobs are 1/${count} to ${count}/${count}.`);
  return { index, count };
}

/**
 * The shard an image belongs to: 1 + (the first four bytes of the sha256 of its repository name,
 * big-endian) mod N. It depends on the name only, so every tag of a name lands in the same shard
 * (its versions go in order), and adding or removing other images never moves it.
 */
export function shardOf(reference: string, count: number): number {
  return 1 + (createHash('sha256').update(shardKey(reference)).digest().readUInt32BE(0) % count);
}

/** The references of this shard, in the order given. */
export function selectShard(references: string[], shard: Shard): string[] {
  return references.filter((reference) => shardOf(reference, shard.count) === shard.index);
}

/**
 * What a reference is sharded by: its repository name (`lab/tool` of `lab/tool:1.0`,
 * `podman:lab/tool:1.0`, `docker-archive:x.tar:lab/tool:1.0`); a location that names no image
 * (`docker-archive:x.tar`) or does not parse (its push reports why) by itself.
 */
function shardKey(reference: string): string {
  try {
    const location = parseImageLocation(reference);
    const ref = location.reference ? parseImageRef(location.reference) : undefined;
    return ref?.tag ? ref.name : reference;
  } catch {
    return reference;
  }
}
