export * from './binance-book';
export * from './binance-double';
export * from './double-venue';
