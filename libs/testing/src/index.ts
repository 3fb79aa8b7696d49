export * from './infrastructure';
export * from './tracing';
export * from './factories';
export * from './wait';
export * from './kafka-broker';
export * from './download-cache';
export * from './settable-clock';
export * from './openid-provider';
