export * from './plivo-fake';
export * from './voice-driver';
