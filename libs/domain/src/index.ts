export * from './textback-policy';
export * from './call-classification';
export * from './business-hours';
export * from './textback-message';
export * from './consent';
export * from './qualification';
export * from './what-if';
export * from './inbound-text';
