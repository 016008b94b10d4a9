/**
 * Timestamps in Zenodo's format: ISO-8601 with microseconds and an explicit `+00:00`
 * (`2026-02-24T14:27:21.983867+00:00`, REC:D1).
 */
let lastMicros = 0;

export function isoNow(): string {
  // Strictly increasing microseconds, so "newest"/"oldest" sorting is stable within one millisecond.
  let micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  if (micros <= lastMicros) micros = lastMicros + 1;
  lastMicros = micros;
  const date = new Date(Math.floor(micros / 1000));
  const fraction = String(micros % 1_000_000).padStart(6, '0');
  return `${date.toISOString().slice(0, 19)}.${fraction}+00:00`;
}

/** Today as `YYYY-MM-DD` (UTC), the legacy loader's `publication_date` default (contract 1.5). */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}
