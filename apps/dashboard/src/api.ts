/** The API shapes the dashboard reads (fields added in issue 17 may be absent on older servers). */
export type BuildStatus = 'blocked' | 'queued' | 'running' | 'success' | 'failure' | 'error' | 'cancelled';
export interface Step { name: string; image?: string; status: string; startedAt: string | null; finishedAt: string | null; cache?: { cached: number; steps: number } }
export interface Image { name: string; tags: string[]; digest: string | null }
export interface Author { name: string; login: string | null; avatarUrl: string | null }
export interface Build {
  id: number; repo: string; ref: string; branch?: string | null; sha: string; event: string; status: BuildStatus;
  steps?: Step[]; images?: Image[]; createdAt: string; startedAt: string | null; finishedAt: string | null;
  error: string | null; pullRequest?: number | null; fork?: boolean; rebuildOf?: number | null; retryOf?: number | null;
  title?: string | null; author?: Author | null; commitUrl?: string | null; compareUrl?: string | null;
  pullRequestUrl?: string | null; triggeredBy?: string | null;
}
export interface BuildPage { items: Build[]; nextCursor: string | number | null }
export interface RepoSummary {
  repo: string; builds: number; successRate: number | null; medianDurationMs: number | null;
  latestImages: { branch: string; buildId: number; images: Image[] }[];
}
export interface QueueView { queued: Build[]; running: Build[]; workers: { owner: string; running: number }[] }

export class ApiError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

const TOKEN_KEY = 'drydock.apiToken';
export const token = {
  get: (): string | null => localStorage.getItem(TOKEN_KEY),
  set: (value: string): void => localStorage.setItem(TOKEN_KEY, value),
  clear: (): void => localStorage.removeItem(TOKEN_KEY),
};

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const t = token.get();
  return t ? { ...extra, Authorization: `Bearer ${t}` } : extra;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { headers: headers({ Accept: 'application/json' }), signal });
  if (!res.ok) throw new ApiError(res.status, await errorText(res));
  return (await res.json()) as T;
}

export async function getText(path: string, signal?: AbortSignal): Promise<string> {
  const res = await fetch(path, { headers: headers({ Accept: 'text/plain' }), signal });
  if (!res.ok) throw new ApiError(res.status, await errorText(res));
  return res.text();
}

/** A mutating call: asks once for the API token (kept in localStorage) when there is none or it is refused. */
export async function post<T>(path: string): Promise<T> {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (!token.get()) {
      const entered = window.prompt('API token (DRYDOCK_API_TOKEN, or the api-token file in the data dir):');
      if (!entered) throw new ApiError(401, 'an API token is needed for this');
      token.set(entered.trim());
    }
    const res = await fetch(path, { method: 'POST', headers: headers({ Accept: 'application/json' }) });
    if (res.status === 401) { token.clear(); continue; }
    if (!res.ok) throw new ApiError(res.status, await errorText(res));
    return (await res.json()) as T;
  }
  throw new ApiError(401, 'the API token was refused');
}

async function errorText(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { message?: unknown };
    return typeof body.message === 'string' ? body.message : `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}
