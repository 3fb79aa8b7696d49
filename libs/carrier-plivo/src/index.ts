export * from './plivo-signature';
export * from './plivo-messaging';
export * from './plivo-webhook';
