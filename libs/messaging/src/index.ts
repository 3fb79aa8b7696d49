export * from './transport';
export * from './event-bus';
export { deadLetterHeaders, type EventToPublish } from './event-messages';
export * from './provisioning';
export * from './transports/in-process.transport';
export * from './transports/kafka.transport';
export * from './nest/event-bus.server';
