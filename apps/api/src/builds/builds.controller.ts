import { Body, Controller, Get, HttpCode, Inject, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { BUILD_EVENTS, BUILD_STATUSES, type Build } from '@drydock/core';
import type { BuildPage } from '@drydock/store';
import { ZodBodyPipe } from '../http/zod-body.pipe.js';
import { triggerBodySchema, type TriggerBody } from './build-request.js';
import { buildJson } from './build-json.js';
import { BuildsService } from './builds.service.js';

const listQuerySchema = z.strictObject({
  repo: z.string().max(500).optional(),
  branch: z.string().max(255).optional(),
  status: z.enum(BUILD_STATUSES).optional(),
  event: z.enum(BUILD_EVENTS).optional(),
  sha: z.string().regex(/^[0-9a-f]{7,40}$/, 'must be 7 to 40 hex digits').optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(100).optional(),
});

@ApiTags('builds')
@Controller('api/builds')
export class BuildsController {
  private readonly json: (build: Build) => Build;

  constructor(
    private readonly builds: BuildsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.json = (build) => buildJson(build, config.secrets);
  }

  @Get()
  @ApiOperation({ summary: 'Builds, newest first, with cursor pagination' })
  @ApiQuery({ name: 'repo', required: false }) @ApiQuery({ name: 'branch', required: false })
  @ApiQuery({ name: 'status', required: false, enum: BUILD_STATUSES })
  @ApiQuery({ name: 'event', required: false, enum: BUILD_EVENTS }) @ApiQuery({ name: 'sha', required: false })
  @ApiQuery({ name: 'limit', required: false }) @ApiQuery({ name: 'cursor', required: false })
  async list(@Query(new ZodBodyPipe(listQuerySchema)) query: z.infer<typeof listQuerySchema>): Promise<BuildPage> {
    const page = await this.builds.list(query);
    return { items: page.items.map(this.json), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One build with its steps, images and error' })
  async get(@Param('id', ParseIntPipe) id: number): Promise<Build> {
    return this.json(await this.builds.get(id));
  }

  @Post()
  @ApiOperation({ summary: 'Build a repository (owner/name seen before, or a git URL) at a ref' })
  @ApiBody({ schema: { type: 'object', required: ['repo'], properties: { repo: { type: 'string' }, ref: { type: 'string' }, sha: { type: 'string' } } } })
  async trigger(@Body(new ZodBodyPipe(triggerBodySchema)) body: TriggerBody): Promise<Build> {
    return this.json(await this.builds.trigger(body));
  }

  @Post(':id/rebuild')
  @ApiOperation({ summary: 'A new build of the same commit, linked to the original' })
  async rebuild(@Param('id', ParseIntPipe) id: number): Promise<Build> {
    return this.json(await this.builds.rebuild(id));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a queued or running build' })
  async cancel(@Param('id', ParseIntPipe) id: number): Promise<Build> {
    return this.json(await this.builds.cancel(id));
  }

  @Post(':id/retry')
  @ApiOperation({ summary: 'A new build that resumes a failed, errored or cancelled one from its failed step, reusing the images it built (409 for any other)' })
  async retry(@Param('id', ParseIntPipe) id: number): Promise<Build> {
    return this.json(await this.builds.retry(id));
  }

  @Post(':id/approve')
  @HttpCode(200)
  @ApiOperation({ summary: "Queue a blocked build (a fork's pull request waiting for approval) for its head commit (409 for any other)" })
  async approve(@Param('id', ParseIntPipe) id: number): Promise<Build> {
    return this.json(await this.builds.approve(id, 'api'));
  }

  @Post(':id/decline')
  @HttpCode(200)
  @ApiOperation({ summary: 'End a blocked build cancelled "declined" without running it (409 for any other)' })
  async decline(@Param('id', ParseIntPipe) id: number): Promise<Build> {
    return this.json(await this.builds.decline(id));
  }
}
