export * from './page-token';
