export * from './consent-state';
export * from './consent-state.repository';
export * from './migrations/consent-state';
export * from './staff-text-consent.repository';
export * from './migrations/staff-text-consent';
