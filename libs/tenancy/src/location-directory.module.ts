import {
  Controller,
  Inject,
  Injectable,
  type OnModuleDestroy,
  type Provider,
  type Type,
} from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { EventEnvelope } from '@textback/contracts';
import { OnEvent } from '@textback/messaging';
import { scopeOf } from '@textback/persistence';
import { LocationDirectory, type DirectoryRuntime } from './location-directory';

@Injectable()
class LocationDirectoryLifecycle implements OnModuleDestroy {
  constructor(@Inject(LocationDirectory) private readonly directory: LocationDirectory) {}
  onModuleDestroy(): Promise<void> {
    return this.directory.stop();
  }
}

@Controller()
export class LocationConfiguredConsumer {
  constructor(@Inject(LocationDirectory) private readonly directory: LocationDirectory) {}

  @OnEvent('location.configured.v1')
  onLocationConfigured(@Payload() event: EventEnvelope<'location.configured.v1'>): Promise<void> {
    return this.directory.apply(scopeOf(event), event.payload);
  }
}

/** What a service adds to its module to keep a location directory (its runtime gives the database, logger and metrics). */
export function locationDirectoryParts(
  runtime: DirectoryRuntime,
  options: { reloadMs?: number } = {},
): {
  controllers: Type[];
  providers: Provider[];
} {
  return {
    controllers: [LocationConfiguredConsumer],
    providers: [
      {
        provide: LocationDirectory,
        useFactory: async () => {
          const directory = new LocationDirectory(runtime, options);
          await directory.start();
          return directory;
        },
      },
      LocationDirectoryLifecycle,
    ],
  };
}
