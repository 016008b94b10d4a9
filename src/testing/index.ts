/**
 * `donodo/plugin-api/testing`: the storage conformance suite, for storage plugins of third parties
 * (see the README, "Testing a storage plugin"). Runs under vitest.
 */
export { describeStorageConformance, KILLS_FIRST_VERSION, KILLS_NEW_VERSION, type ConformanceTarget, type ReferenceForm, type StorageUnderTest } from './storage-conformance.ts';
export { writeImageArchive } from './crafted-image.ts';
