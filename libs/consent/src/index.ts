export * from './consent-state';
