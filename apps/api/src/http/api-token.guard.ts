import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '@drydock/config';

const UNAUTHORIZED = 'a valid "Authorization: Bearer <DRYDOCK_API_TOKEN>" header is required (the token is DRYDOCK_API_TOKEN, or the api-token file in the data dir)';

/**
 * Who may pass. Webhooks (their own signature check), `/healthz` and `/readyz` are open;
 * every other mutating call needs `Authorization: Bearer <token>`, and so do reads (the API,
 * logs, `/api/docs`, `/metrics`) when DRYDOCK_READ_TOKEN_REQUIRED=true. Without a token
 * configured nothing mutating passes: the API is closed by default (see `withApiToken`).
 */
export class ApiTokenPolicy {
  private readonly expected?: Buffer;

  constructor(private readonly config: Pick<AppConfig, 'apiToken' | 'readsNeedToken'>) {
    this.expected = config.apiToken ? digest(config.apiToken) : undefined;
  }

  allows(method: string, path: string, authorization: string | undefined): boolean {
    if (path.startsWith('/webhooks/') || path === '/healthz' || path === '/readyz') return true;
    const isRead = method === 'GET' || method === 'HEAD';
    if (isRead && !this.config.readsNeedToken) return true;
    const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    // Hashing first makes both sides the same length, so the comparison is constant time.
    return this.expected !== undefined && match !== null && timingSafeEqual(digest(match[1].trim()), this.expected);
  }
}

/** The policy on every Nest route. */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly policy: ApiTokenPolicy;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.policy = new ApiTokenPolicy(config);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (this.policy.allows(request.method, request.path, request.headers.authorization)) return true;
    throw new UnauthorizedException(UNAUTHORIZED);
  }
}

/** The same policy as Express middleware, for `/api/docs*`, which Swagger serves outside Nest's guards. */
export function apiDocsTokenMiddleware(config: Pick<AppConfig, 'apiToken' | 'readsNeedToken'>) {
  const policy = new ApiTokenPolicy(config);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!req.path.startsWith('/api/docs') || policy.allows(req.method, req.path, req.headers.authorization)) return next();
    res.status(401).json({ statusCode: 401, message: UNAUTHORIZED, error: 'Unauthorized' });
  };
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
