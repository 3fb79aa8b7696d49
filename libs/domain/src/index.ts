export * from './textback-policy';
