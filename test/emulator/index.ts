/**
 * A local emulator of Zenodo's REST API (legacy deposit API + records API) for tests and demos.
 * Every behaviour follows real Zenodo (see /work/shared/zenodo-api.md, section 10, and the recordings
 * in test/fixtures/zenodo-recorded/).
 */
export { startEmulator } from './server.ts';
export type { Emulator } from './server.ts';
export type { EmulatorOptions, RequestLogEntry } from './options.ts';
export { Faults } from './faults.ts';
export type { CorruptChecksumOptions, DropConnectionOptions, FailNextOptions, Held, RequestMatcher } from './faults.ts';
export { Store } from './store.ts';
export type { Concept, Deposition, Snapshot, StoredFile } from './store.ts';
