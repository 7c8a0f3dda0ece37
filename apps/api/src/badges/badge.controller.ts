import { Controller, Get, Header, Inject, Param, Query } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { isOwnerName } from '@drydock/core';
import { BUILD_STORE, type BuildStore } from '@drydock/store';
import { badgeState, badgeSvg } from './badge-svg.js';

/**
 * README badges: `GET /badge/:owner/:repo.svg?branch=`, the state of the branch's latest
 * build (the repository's default branch, as its webhooks told, when none is given). Never an
 * error page: anything unknown or malformed is an "unknown" badge.
 */
@ApiExcludeController()
@Controller('badge')
export class BadgeController {
  constructor(@Inject(BUILD_STORE) private readonly store: BuildStore) {}

  @Get(':owner/:file')
  @Header('Content-Type', 'image/svg+xml; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=60')
  @Header('X-Content-Type-Options', 'nosniff')
  async badge(@Param('owner') owner: string, @Param('file') file: string, @Query('branch') branch?: unknown): Promise<string> {
    const repo = file.endsWith('.svg') ? `${owner}/${file.slice(0, -'.svg'.length)}` : '';
    if (!isOwnerName(repo)) return badgeSvg('unknown');
    const wanted = typeof branch === 'string' && branch !== '' ? branch : (await this.store.knownRepository(repo))?.defaultBranch;
    if (wanted === undefined || wanted === null) return badgeSvg('unknown');
    // The branch only reaches the store as a bound parameter; it is never rendered.
    const page = await this.store.list({ repo, branch: wanted, limit: 1 });
    return badgeSvg(badgeState(page.items[0]?.status));
  }
}
