export * from './config';
export * from './errors';
export * from './runtime';
export * from './bootstrap';
