export * from './logger';
export * from './metrics';
export * from './nest/observability.module';
export * from './spans';
export * from './http-metrics';
export * from './nest/public-route';
export * from './service-preloads';
