export * from './plivo-signature';
export * from './plivo-messaging';
