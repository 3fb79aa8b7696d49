import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Param, Res, type Type } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '@textback/telemetry';

/**
 * A controller serving one page built by Vite (`dist/index.html` and hashed `dist/assets/*`)
 * under `route`; a 503 saying how to build it when it is not built.
 */
export function builtPageController(route: string, dist: string, what: string): Type {
  @Public('page', 'the page itself; every figure on it comes from a guarded API')
  @Controller(route)
  class BuiltPageController {
    @Get()
    page(@Res() res: Response): void {
      const index = join(dist, 'index.html');
      if (!existsSync(index)) {
        res.status(503).json({
          error: 'not-built',
          message: `${what} is not built: run \`bash tools/run.sh web\``,
        });
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
  return BuiltPageController;
}
