export * from './plivo-signature';
export * from './plivo-messaging';
export * from './plivo-webhook';
export * from './plivo-hooks';
export * from './plivo-xml';
