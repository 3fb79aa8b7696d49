/* eslint-disable @typescript-eslint/no-empty-function -- fixture controllers: only their route metadata matters */
import { Controller, Get, Post, UseGuards, type CanActivate } from '@nestjs/common';
import { Public, routesOf, unguardedRoutes } from './routes';

class KeyGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

// Fixtures: what a controller can look like.
@Controller('v1/guarded')
@UseGuards(KeyGuard)
class GuardedController {
  @Get(':id')
  read(): void {}
}

@Public('signed-webhook', 'the carrier calls it; the signature is checked inside')
@Controller('v1/hooks')
class WebhookController {
  @Post('inbound')
  receive(): void {}
}

@Controller('v1/mixed')
class MixedController {
  @Get('open')
  @Public('page', 'a page')
  page(): void {}

  @Post('forgot')
  forgotten(): void {}

  @Post('guarded')
  @UseGuards(KeyGuard)
  guarded(): void {}

  helper(): void {}
}

describe('route inventory', () => {
  const routes = routesOf([GuardedController, WebhookController, MixedController]);

  it('reads every HTTP route with its guards or its public mark', () => {
    expect(routes).toEqual([
      {
        method: 'GET',
        path: '/v1/guarded/:id',
        handler: 'GuardedController.read',
        guards: ['KeyGuard'],
        public: undefined,
      },
      {
        method: 'POST',
        path: '/v1/hooks/inbound',
        handler: 'WebhookController.receive',
        guards: [],
        public: {
          kind: 'signed-webhook',
          why: 'the carrier calls it; the signature is checked inside',
        },
      },
      {
        method: 'GET',
        path: '/v1/mixed/open',
        handler: 'MixedController.page',
        guards: [],
        public: { kind: 'page', why: 'a page' },
      },
      {
        method: 'POST',
        path: '/v1/mixed/forgot',
        handler: 'MixedController.forgotten',
        guards: [],
        public: undefined,
      },
      {
        method: 'POST',
        path: '/v1/mixed/guarded',
        handler: 'MixedController.guarded',
        guards: ['KeyGuard'],
        public: undefined,
      },
    ]);
  });

  it('finds the route with neither a guard nor @Public (fixture)', () => {
    expect(unguardedRoutes(routes).map((r) => r.handler)).toEqual(['MixedController.forgotten']);
  });
});
