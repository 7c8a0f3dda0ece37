import { Controller, Get, NotFoundException, Param, ParseIntPipe, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { dashboardAsset, DASHBOARD_DIR } from './dashboard-assets.js';

/**
 * The web dashboard (apps/dashboard, built by Vite into dist/dashboard). Its pages are one
 * single-page app: every page route answers index.html and the app routes in the browser.
 * `/api/*`, `/webhooks/*`, `/badge/*` and `/healthz` are other controllers and keep priority.
 */
@ApiExcludeController()
@Controller()
export class DashboardController {
  @Get()
  home(@Res() res: Response): void {
    sendIndex(res);
  }

  @Get('builds/:id')
  build(@Param('id', ParseIntPipe) _id: number, @Res() res: Response): void {
    sendIndex(res);
  }

  @Get('repos/:owner/:repo')
  repo(@Res() res: Response): void {
    sendIndex(res);
  }

  @Get('queue')
  queue(@Res() res: Response): void {
    sendIndex(res);
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    const path = dashboardAsset(`assets/${file}`);
    if (!path) throw new NotFoundException(`no dashboard asset ${file}`);
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.sendFile(path);
  }

  @Get('favicon.svg')
  favicon(@Res() res: Response): void {
    const path = dashboardAsset('favicon.svg');
    if (!path) throw new NotFoundException('no favicon');
    res.sendFile(path);
  }
}

function sendIndex(res: Response): void {
  const path = dashboardAsset('index.html');
  if (!path) {
    res.status(503).type('text/plain').send(`the dashboard is not built: run "npm run build" (looked in ${DASHBOARD_DIR})`);
    return;
  }
  res.setHeader('Cache-Control', 'no-cache');
  res.sendFile(path);
}
