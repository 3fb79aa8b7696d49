export * from './page-token';
export * from './sandbox-numbers';
