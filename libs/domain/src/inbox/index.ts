export * from './canned-reply';
export * from './customer-clock';
export * from './inbox-cursor';
export * from './alerts';
