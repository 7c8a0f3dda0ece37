import type { ErrorCode } from '@drydock/core';
import { ApiError, UnreachableError } from './cli-errors.js';

/** What the CLI was doing, so an error can say so. */
export interface ApiCall {
  method: string;
  path: string;
  /** Shown on a 404 from the resource itself, e.g. `build 12 not found`. */
  notFound?: string;
}

/** Nest/Express answer an unknown route with `Cannot POST /path`: a server without that endpoint. */
const MISSING_ROUTE = /^Cannot (GET|POST|PUT|PATCH|DELETE) /;

/** `tokenSource`: where the token sent came from (`--token`, `DRYDOCK_API_TOKEN`, a file), null when none was sent. */
export async function apiErrorFrom(res: Response, call: ApiCall, tokenSource: string | null): Promise<ApiError> {
  const detail = serverMessage(await res.text().catch(() => ''));
  const answered = `${call.method} ${call.path} answered ${res.status} ${res.statusText}`.trim();
  const message = ((): string => {
    switch (res.status) {
      case 400:
      case 409:
      case 422:
        return detail ?? answered;
      case 401:
        if (tokenSource === null) {
          return "the server requires an API token (401 Unauthorized), which it keeps in api-token in its data dir; pass --token or set DRYDOCK_API_TOKEN";
        }
        return `the server rejected ${tokenName(tokenSource)} (401 Unauthorized); check that it matches the server's token`;
      case 403:
        return `the server refused ${call.method} ${call.path} with ${tokenSource === null ? 'no API token' : tokenName(tokenSource)} (403 Forbidden)${detail && detail !== 'Forbidden' ? `: ${detail}` : ''}`;
      case 404:
        if (detail && MISSING_ROUTE.test(detail)) return `this Drydock server does not support ${call.method} ${call.path} (404: ${detail})`;
        return call.notFound ?? detail ?? answered;
      case 501:
        return `this Drydock server does not implement ${call.method} ${call.path} yet (501${detail ? `: ${detail}` : ''})`;
      default:
        return detail ? `${answered}: ${detail}` : answered;
    }
  })();
  return new ApiError(codeFor(res.status), message, res.status);
}

const tokenName = (source: string): string => (source.startsWith('/') ? `the API token in ${source}` : source);

/** Nest error bodies are `{statusCode, message, error}`; `message` may be a list (validation). */
function serverMessage(body: string): string | null {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'message' in parsed) {
      const { message } = parsed;
      if (Array.isArray(message)) return message.map(String).join('; ') || null;
      if (typeof message === 'string') return message || null;
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  const text = body.trim();
  return text && text.length <= 300 && !text.startsWith('<') ? text : null;
}

function codeFor(status: number): ErrorCode {
  if (status === 404) return 'not_found';
  if (status >= 500) return 'infrastructure';
  return 'invalid_request';
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** Turns fetch's `TypeError: fetch failed` (cause: a system error) into a one-line reason. */
export function unreachableFrom(url: string, err: unknown): UnreachableError {
  const cause = err instanceof Error ? err.cause : undefined;
  const code = cause && typeof cause === 'object' && 'code' in cause ? String(cause.code) : '';
  let reason = NETWORK_REASONS[code];
  if (!reason && err instanceof Error && err.name === 'TimeoutError') reason = 'no answer in time';
  if (!reason) reason = cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
  return new UnreachableError(url, reason, { cause: err });
}
