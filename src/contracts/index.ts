export * from './compressor.ts';
export * from './image-source.ts';
export * from './image-target.ts';
export * from './metadata-provider.ts';
export * from './plugin.ts';
export * from './progress.ts';
export * from './storage-backend.ts';
