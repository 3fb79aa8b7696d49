export * from './location-directory';
export * from './location-directory.module';
export * from './location-directory.repository';
export * from './migrations/location-directory';
