export * from './location-directory';
export * from './location-directory.module';
