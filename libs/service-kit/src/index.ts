export * from './config';
export * from './errors';
export * from './runtime';
export * from './bootstrap';
export * from './admin-key.guard';
export * from './service-metrics';
export * from './webhook-signature';
export * from './plivo-webhooks';
