export * from './consent-state';
export * from './consent-state.repository';
export * from './migrations/consent-state';
