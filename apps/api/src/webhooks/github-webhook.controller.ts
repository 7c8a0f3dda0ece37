import { Controller, HttpCode, Inject, Post, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { DrydockError, messageOf, type BuildRequest } from '@drydock/core';
import { BUILD_REPORTER, GITHUB_PERMISSIONS, mayApprove, parseWebhook, verifyWebhookSignature, type BuildReporter, type GitHubPermissions, type WebhookOutcome } from '@drydock/github';
import { BuildsService } from '../builds/builds.service.js';

/**
 * GitHub webhooks: verify the signature over the raw body, parse, store and queue. Nothing
 * touches Redis before the build is stored. A build the database did not take is 503 (GitHub
 * can redeliver it); a stored build is 202 even when Redis is down (it is queued once Redis is back).
 * A fork's pull request follows `DRYDOCK_FORK_PRS`; a `/drydock approve` comment counts only
 * from someone GitHub says may write to the repository.
 */
@ApiTags('webhooks')
@Controller('webhooks')
export class GithubWebhookController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly builds: BuildsService,
    @Inject(BUILD_REPORTER) private readonly reporter: BuildReporter,
    @Inject(GITHUB_PERMISSIONS) private readonly permissions: GitHubPermissions,
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
    if (outcome.kind === 'ping') {
      res.status(200);
      return { ok: true, zen: outcome.zen };
    }
    return this.act(outcome, deliveryId);
  }

  private async act(outcome: Exclude<WebhookOutcome, { kind: 'ping' }>, deliveryId: string): Promise<object> {
    switch (outcome.kind) {
      case 'ignored':
        return { builds: [], reason: outcome.reason };
      case 'build': {
        const requests = outcome.requests.flatMap((r) => this.underForkPolicy(r));
        if (requests.length === 0) return { builds: [], reason: 'pull requests from forks are not built (DRYDOCK_FORK_PRS=off)' };
        const { builds, duplicate } = await this.builds.create(requests, deliveryId);
        return { builds: builds.map((b) => ({ id: b.id, status: b.status })), ...(duplicate ? { duplicate: true } : {}) };
      }
      case 'skip': {
        const description = `skipped: ${outcome.marker}`;
        const problem = await this.reporter.reportCommit(outcome.commit, { state: 'success', description });
        return { builds: [], reason: description, ...(problem ? { report: problem } : {}) };
      }
      case 'close': {
        const stopped = await this.builds.closePullRequest(outcome.repo, outcome.pullRequest);
        return { builds: stopped.map((b) => ({ id: b.id, status: b.status })), reason: `pull request #${outcome.pullRequest} closed` };
      }
      case 'approve':
        return this.approveFromComment(outcome);
      case 'rerun':
        return this.rerunFromCheck(outcome);
    }
  }

  /**
   * "Re-run" on a check run rebuilds its build: the run must name a build of that repository
   * and commit. A fork's code runs again only as the first time would: waiting for approval
   * unless someone approved that commit.
   */
  private async rerunFromCheck({ repo, sha, buildId, login }: Extract<WebhookOutcome, { kind: 'rerun' }>): Promise<object> {
    const build = await this.builds.get(buildId).catch((err: unknown) => {
      if (err instanceof DrydockError && err.code === 'not_found') return undefined;
      throw err;
    });
    if (!build || build.repo !== repo || build.sha !== sha) return { builds: [], reason: `check run names build ${buildId}, which is not a build of ${repo} at ${sha.slice(0, 7)}` };
    if (build.fork && this.config.forkPrs === 'off') return { builds: [], reason: 'pull requests from forks are not built (DRYDOCK_FORK_PRS=off)' };
    const blocked = build.fork && this.config.forkPrs === 'approve' && !build.approvedBy;
    const rebuilt = await this.builds.rebuild(build.id, { blocked, triggeredBy: login });
    return { builds: [{ id: rebuilt.id, status: rebuilt.status }], reason: `re-run of build ${build.id} asked by @${login}` };
  }

  /** `off`: a fork's pull request is not built; `approve`: it waits, `blocked`; `run`: it is built at once (sandboxed, as every fork's build). */
  private underForkPolicy(request: BuildRequest): BuildRequest[] {
    if (!request.fork || request.event !== 'pull_request') return [request];
    switch (this.config.forkPrs) {
      case 'off':
        return [];
      case 'approve':
        return [{ ...request, blocked: true }];
      case 'run':
        return [request];
    }
  }

  private async approveFromComment({ repo, pullRequest, login, installationId }: Extract<WebhookOutcome, { kind: 'approve' }>): Promise<object> {
    const head = await this.builds.blockedHeadOf(repo, pullRequest);
    if (!head) return { builds: [], reason: `pull request #${pullRequest} has no build waiting for approval` };
    let permission;
    try {
      permission = await this.permissions.permissionOf(repo, login, installationId);
    } catch (err) {
      return { builds: [], reason: `not approved: GitHub did not say what @${login} may do on ${repo} (${messageOf(err)}); comment again` };
    }
    if (!mayApprove(permission)) return { builds: [], reason: `not approved: @${login} has ${permission} permission on ${repo}; approving takes write or admin` };
    const approved = await this.builds.approve(head.id, `@${login}`);
    return { builds: [{ id: approved.id, status: approved.status }], reason: `approved by @${login}` };
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DrydockError('invalid_request', `body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}
