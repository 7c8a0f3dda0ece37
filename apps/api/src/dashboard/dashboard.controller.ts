import { Controller, Get, Param, ParseIntPipe, Redirect } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

/**
 * Where status links (`target_url`) land. Until the web dashboard ships, a build's page
 * is its JSON and the root lists builds.
 */
@ApiExcludeController()
@Controller()
export class DashboardController {
  @Get()
  @Redirect('/api/builds', 302)
  home(): void {}

  @Get('builds/:id')
  @Redirect()
  build(@Param('id', ParseIntPipe) id: number): { url: string } {
    return { url: `/api/builds/${id}` };
  }
}
