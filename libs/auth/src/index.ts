export * from './roles';
export * from './partner-scopes';
export * from './access';
export * from './tokens';
export * from './sealed-secrets';
export * from './passwords';
export * from './sign-in-throttle';
export * from './single-sign-on';
