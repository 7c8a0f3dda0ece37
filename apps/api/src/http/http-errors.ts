import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { APP_CONFIG, type AppConfig } from '@drydock/config';
import { assertUnreachable, DrydockError, maskSecrets, type ErrorCode } from '@drydock/core';

/** Maps domain errors to HTTP answers, secrets masked in their messages; Nest's own HttpExceptions pass through unchanged. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  constructor(@Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'secrets'>) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) {
      response.end();
      return;
    }
    if (error instanceof HttpException) {
      response.status(error.getStatus()).json(normalise(error.getResponse(), error.getStatus()));
      return;
    }
    const code: ErrorCode = error instanceof DrydockError ? error.code : 'infrastructure';
    const status = httpStatusFor(code);
    if (status >= 500) this.logger.error(maskSecrets(error instanceof Error ? (error.stack ?? error.message) : String(error), this.config.secrets));
    const message = status >= 500 && !(error instanceof DrydockError) ? 'internal error' : (error as Error).message;
    response.status(status).json({ statusCode: status, error: code, message: maskSecrets(message, this.config.secrets) });
  }
}

export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'invalid_request':
    case 'config_invalid':
      return 400;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'unprocessable':
      return 422;
    case 'cancelled':
    case 'conflict':
      return 409;
    case 'infrastructure':
    case 'unavailable':
    case 'clone_failed':
    case 'build_failed':
    case 'test_failed':
    case 'push_failed':
    case 'timeout':
      return 503;
    default:
      return assertUnreachable(code);
  }
}

function normalise(body: string | object, status: number): object {
  return typeof body === 'string' ? { statusCode: status, message: body } : body;
}
