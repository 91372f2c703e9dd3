import { createMemoryStorage } from './memory-storage';
import { describeStorageConformance } from './storage-conformance';

describeStorageConformance('storage:memory', { create: () => createMemoryStorage() });
