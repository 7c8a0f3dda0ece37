import { Controller, HttpCode, Inject, Post, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { DrydockError } from '@drydock/core';
import { parseWebhook, verifyWebhookSignature } from '@drydock/github';
import { BuildsService } from '../builds/builds.service.js';

/**
 * GitHub webhooks: verify the signature over the raw body, parse, store and queue. Nothing
 * touches Redis before the build is stored. A build the database did not take is 503 (GitHub
 * can redeliver it); a stored build is 202 even when Redis is down (it is queued once Redis is back).
 */
@ApiTags('webhooks')
@Controller('webhooks')
export class GithubWebhookController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly builds: BuildsService,
  ) {}

  @Post('github')
  @HttpCode(202)
  @ApiOperation({ summary: 'GitHub webhook receiver (X-Hub-Signature-256 checked)' })
  async receive(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<object> {
    const secret = this.config.github.webhookSecret;
    if (!secret) throw new UnauthorizedException('webhooks are refused: GITHUB_WEBHOOK_SECRET is not set');
    const rawBody = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    if (!(await verifyWebhookSignature(secret, rawBody, req.header('x-hub-signature-256')))) {
      throw new UnauthorizedException('signature does not match (X-Hub-Signature-256)');
    }
    const event = req.header('x-github-event');
    const deliveryId = req.header('x-github-delivery');
    if (!event || !deliveryId) throw new DrydockError('invalid_request', 'X-GitHub-Event and X-GitHub-Delivery headers are required');
    const outcome = parseWebhook(event, parseJson(rawBody));
    switch (outcome.kind) {
      case 'ping':
        res.status(200);
        return { ok: true, zen: outcome.zen };
      case 'ignored':
        return { builds: [], reason: outcome.reason };
      case 'build': {
        const { builds, duplicate } = await this.builds.create(outcome.requests, deliveryId);
        return { builds: builds.map((b) => ({ id: b.id, status: b.status })), ...(duplicate ? { duplicate: true } : {}) };
      }
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DrydockError('invalid_request', `body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}
