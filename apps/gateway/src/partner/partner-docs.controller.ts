import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '@textback/service-kit';
import { PartnerDispatcher } from './partner-dispatcher';
import { partnerOpenApi } from './partner-openapi';

/** Swagger UI's own files, as its npm package ships them. */
const swaggerUi = dirname(require.resolve('swagger-ui-dist/package.json'));
const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css',
  'swagger-ui-bundle.js': 'text/javascript',
  'swagger-ui-standalone-preset.js': 'text/javascript',
};
const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Textback partner API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/v1/partner/docs/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="/v1/partner/docs/swagger-ui-bundle.js"></script>
<script src="/v1/partner/docs/start.js"></script></body></html>`;
const start = `window.ui = SwaggerUIBundle({ url: '/v1/partner/openapi.json', dom_id: '#docs' });`;

/** The partner API's OpenAPI document and its docs page (Swagger UI), made from the proto. */
@Controller('v1/partner')
export class PartnerDocsController {
  private document: Record<string, unknown> | undefined;

  constructor(private readonly dispatcher: PartnerDispatcher) {}

  @Get('openapi.json')
  @Public('discovery', 'the API description, made from the public proto: no data, no secret')
  openApi() {
    this.document ??= partnerOpenApi((b) => this.dispatcher.scopeOf(b.method));
    return this.document;
  }

  @Get('docs')
  @Public('page', 'Swagger UI over openapi.json; calls need a partner token')
  @Header('content-type', 'text/html; charset=utf-8')
  docs() {
    return page;
  }

  @Get('docs/:asset')
  @Public('page', "Swagger UI's static files")
  asset(@Param('asset') asset: string, @Res() res: Response): void {
    if (asset === 'start.js') {
      res.type('text/javascript').send(start);
      return;
    }
    const type = assets[asset];
    if (!type) throw new NotFoundException();
    res.type(type).setHeader('cache-control', 'public, max-age=3600');
    res.send(readFileSync(join(swaggerUi, asset), 'utf8'));
  }
}
