import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';

/** Built by `vite build` (tools/run.sh does it before `start` and `test`). */
const dist = resolve(__dirname, '../web/dist');

/** Serves the analyst page (apps/reporting/web): funnel and ROI charts over the reporting API. */
@ApiExcludeController()
@Controller('reports')
export class AnalystPageController {
  @Get()
  page(@Res() res: Response): void {
    const index = join(dist, 'index.html');
    if (!existsSync(index)) {
      res.status(503).json({ error: 'not-built', message: 'the analyst page is not built: run `bash tools/run.sh web`' });
      return;
    }
    res.sendFile(index);
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    if (!/^[\w.-]+\.(js|css|svg|png|woff2?)$/.test(file)) {
      res.status(404).end();
      return;
    }
    res.sendFile(join(dist, 'assets', file), { maxAge: '1y', immutable: true }, (err) => {
      if (err && !res.headersSent) res.status(404).end();
    });
  }
}
