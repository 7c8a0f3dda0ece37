import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '@drydock/config';

/**
 * With DRYDOCK_API_TOKEN set, mutating calls need `Authorization: Bearer <token>`;
 * reads need it too when DRYDOCK_READ_TOKEN_REQUIRED=true. Webhooks have their own signature check.
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly expected?: Buffer;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.expected = config.apiToken ? digest(config.apiToken) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (!this.expected || request.path.startsWith('/webhooks/')) return true;
    const isRead = request.method === 'GET' || request.method === 'HEAD';
    if (isRead && !this.config.readsNeedToken) return true;
    const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
    // Hashing first makes both sides the same length, so the comparison is constant time.
    if (match && timingSafeEqual(digest(match[1].trim()), this.expected)) return true;
    throw new UnauthorizedException('a valid "Authorization: Bearer <DRYDOCK_API_TOKEN>" header is required');
  }
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
