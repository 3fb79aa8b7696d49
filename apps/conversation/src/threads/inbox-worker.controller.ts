import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '@textback/telemetry';

const worker = resolve(__dirname, '../../web/dist/sw.js');

/** The inbox's service worker (shows pushed staff alerts); its scope is the page, `/inbox`. */
@Controller('inbox')
export class InboxWorkerController {
  @Get('sw.js')
  @Public('page', 'a static script of the page; it holds no data')
  serviceWorker(@Res() res: Response): void {
    if (!existsSync(worker)) {
      res.status(503).json({ error: 'not-built', message: 'run `bash tools/run.sh web`' });
      return;
    }
    res.setHeader('Service-Worker-Allowed', '/inbox');
    res.setHeader('Cache-Control', 'no-cache');
    res.type('application/javascript').sendFile(worker);
  }
}
