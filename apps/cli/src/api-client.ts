import type { Build, BuildStatus } from '@drydock/core';
import { apiErrorFrom, unreachableFrom, type ApiCall } from './api-errors.js';
import type { CliConfig } from './cli-config.js';
import { readSse } from './sse-reader.js';

/** Who wrote a build's head commit, as the API gives it. */
export interface ApiCommitAuthor {
  name: string;
  login: string | null;
  avatarUrl: string | null;
}

/**
 * A build as the HTTP API returns it (the server-side fields such as `cloneUrl` are not promised).
 * `title` and `author` are absent from servers older than them, and null when unknown.
 */
export type ApiBuild = Pick<
  Build,
  'id' | 'repo' | 'ref' | 'event' | 'status' | 'steps' | 'images' | 'createdAt' | 'startedAt' | 'finishedAt' | 'error'
> & { sha: string | null; rebuildOf?: number | null; retryOf?: number | null; title?: string | null; author?: ApiCommitAuthor | null };

export interface BuildPage {
  items: ApiBuild[];
  nextCursor: string | null;
}

export interface BuildFilter {
  repo?: string;
  branch?: string;
  status?: BuildStatus;
  limit?: number;
  cursor?: string;
}

export interface TriggerRequest {
  /** `owner/name` or a git URL. */
  repo: string;
  ref?: string;
  sha?: string;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** A client of Drydock's HTTP API (README.md), nothing more. */
export class DrydockApi {
  constructor(private readonly config: CliConfig) {}

  listBuilds(filter: BuildFilter): Promise<BuildPage> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filter)) if (value !== undefined) query.set(key, String(value));
    const search = query.size ? `?${query}` : '';
    return this.json({ method: 'GET', path: `/api/builds${search}` });
  }

  getBuild(id: number): Promise<ApiBuild> {
    return this.json({ method: 'GET', path: `/api/builds/${id}`, notFound: `build ${id} not found` });
  }

  async getLog(id: number): Promise<string> {
    const res = await this.send({ method: 'GET', path: `/api/builds/${id}/logs`, notFound: `build ${id} not found` });
    return res.text();
  }

  /** Yields log text as it arrives, until the server sends `event: end` or closes the stream. */
  async *followLog(id: number): AsyncGenerator<string> {
    const call = { method: 'GET', path: `/api/builds/${id}/logs`, notFound: `build ${id} not found` };
    const res = await this.send(call, { accept: 'text/event-stream', timeout: false });
    if (!res.headers.get('content-type')?.includes('text/event-stream') || !res.body) {
      yield await res.text(); // a server without streaming answers with the whole log
      return;
    }
    try {
      for await (const event of readSse(res.body)) {
        if (event.event === 'end') return;
        if (event.event === 'message') yield `${event.data}\n`;
      }
    } catch (err) {
      throw unreachableFrom(this.config.url, err);
    }
  }

  trigger(request: TriggerRequest): Promise<ApiBuild> {
    return this.json({ method: 'POST', path: '/api/builds' }, request);
  }

  rebuild(id: number): Promise<ApiBuild> {
    return this.json({ method: 'POST', path: `/api/builds/${id}/rebuild`, notFound: `build ${id} not found` }, {});
  }

  retry(id: number): Promise<ApiBuild> {
    return this.json({ method: 'POST', path: `/api/builds/${id}/retry`, notFound: `build ${id} not found` }, {});
  }

  /** Queues a blocked build (a fork's pull request waiting for approval). */
  approve(id: number): Promise<ApiBuild> {
    return this.json({ method: 'POST', path: `/api/builds/${id}/approve`, notFound: `build ${id} not found` }, {});
  }

  /** Ends a blocked build without running it. */
  decline(id: number): Promise<ApiBuild> {
    return this.json({ method: 'POST', path: `/api/builds/${id}/decline`, notFound: `build ${id} not found` }, {});
  }

  async cancel(id: number): Promise<void> {
    await this.send({ method: 'POST', path: `/api/builds/${id}/cancel`, notFound: `build ${id} not found` }, { body: {} });
  }

  private async json<T>(call: ApiCall, body?: object): Promise<T> {
    const res = await this.send(call, { body });
    return (await res.json()) as T;
  }

  private async send(call: ApiCall, opts: { body?: object; accept?: string; timeout?: false } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: opts.accept ?? 'application/json' };
    if (this.config.token) headers.authorization = `Bearer ${this.config.token}`;
    if (opts.body) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.config.url}${call.path}`, {
        method: call.method,
        headers,
        body: opts.body ? JSON.stringify(opts.body) : undefined,
        signal: opts.timeout === false ? undefined : AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw unreachableFrom(this.config.url, err);
    }
    if (!res.ok) throw await apiErrorFrom(res, call, this.config.tokenSource);
    return res;
  }
}
