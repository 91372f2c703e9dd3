export * from './errors';
export * from './domain/decimal';
export * from './domain/order';
export * from './domain/state-machine';
export * from './plugins/context';
export * from './plugins/venue';
export * from './plugins/storage';
