export * from './primitives';
export * from './events';
export * from './topics';
export * from './tenancy';
export * from './consent-checks';
