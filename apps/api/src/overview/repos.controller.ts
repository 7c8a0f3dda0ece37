import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { isOwnerName } from '@drydock/core';
import type { RepoSummary } from '@drydock/store';
import { ZodBodyPipe } from '../http/zod-body.pipe.js';
import { OverviewService } from './overview.service.js';

/** `:owner/:repo` -> `owner/name`, as GitHub spells a repository. */
const repoParamsSchema = z
  .strictObject({ owner: z.string().max(100), repo: z.string().max(100) })
  .transform(({ owner, repo }) => `${owner}/${repo}`)
  .refine(isOwnerName, { message: 'must be owner/name of a repository (letters, digits, ".", "-" and "_")', path: ['repo'] });

@ApiTags('repos')
@Controller('api/repos')
export class ReposController {
  constructor(private readonly overview: OverviewService) {}

  @Get(':owner/:repo/summary')
  @ApiOperation({
    summary:
      'How a repository builds: its build count, the success rate and median duration of its newest 100 finished (and successful) builds, and per branch or tag the newest successful build that pushed images (404 for a repository with no build)',
  })
  @ApiParam({ name: 'owner' })
  @ApiParam({ name: 'repo' })
  summary(@Param(new ZodBodyPipe(repoParamsSchema)) repo: string): Promise<RepoSummary> {
    return this.overview.repoSummary(repo);
  }
}
