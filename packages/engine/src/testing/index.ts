export * from './memory-storage';
export * from './test-venue';
export * from './venue-conformance';
export * from './storage-conformance';
export * from './poll';
export * from './fixtures';
