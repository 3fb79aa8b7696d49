export * from './vertical-rules';
export * from './qualifier';
