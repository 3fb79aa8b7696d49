export * from './vertical-rules';
export * from './qualifier';
export * from './follow-up';
