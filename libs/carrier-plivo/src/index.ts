export * from './plivo-signature';
