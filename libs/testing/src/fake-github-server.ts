import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A commit status as GitHub received it. */
export interface ReceivedStatus {
  repo: string;
  sha: string;
  state: string;
  context: string;
  description: string;
  target_url: string;
  authorization: string | undefined;
  /** Epoch ms it was taken. */
  receivedAt: number;
}

/** A status call as it came in, taken or refused (`answer` is the HTTP status it got). */
export interface StatusCall {
  sha: string;
  context: string;
  state: string;
  answer: number;
  at: number;
}

/** How a scripted failure answers: an HTTP status, and headers (rate-limit ones, `retry-after`). */
export interface FailureAnswer {
  status: number;
  headers?: Record<string, string>;
  message?: string;
}

/**
 * A local HTTP server that answers GitHub's REST shapes for what Drydock calls
 * (`POST /repos/{owner}/{repo}/statuses/{sha}`, `GET /repos/{owner}/{repo}/collaborators/{username}/permission`
 * from the table `grant` fills, `read` for anyone else, as on a public repository) and records every request. It can play an
 * outage: `failWith` refuses everything, `failNext` the next calls, `rateLimitFor` (now) and
 * `rateLimitNext` (after the queued failures) answer 403 with spent rate-limit headers until a
 * reset time, as github.com does.
 */
export class FakeGitHubServer {
  readonly statuses: ReceivedStatus[] = [];
  /** Every status call, taken or refused, oldest first. */
  readonly calls: StatusCall[] = [];
  /** While set, every request answers with this HTTP status (GitHub outage). */
  failWith: number | null = null;
  /** Every permission question, as `owner/repo login`. */
  readonly permissionQuestions: string[] = [];
  private readonly permissions = new Map<string, string>();
  private readonly script: Array<FailureAnswer | { rateLimitMs: number }> = [];
  private limitedUntil = 0;
  private server?: Server;

  get url(): string {
    const { port } = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** `login`'s permission on `repo` (owner/name): `admin`, `maintain`, `write`, `triage`, `read` or `none`. */
  grant(repo: string, login: string, permission: string): this {
    this.permissions.set(`${repo} ${login}`, permission);
    return this;
  }

  /** The next `count` status calls are refused with `answer` (a 500 unless given). */
  failNext(count: number, answer: FailureAnswer = { status: 500, message: 'Server Error' }): this {
    for (let i = 0; i < count; i++) this.script.push(answer);
    return this;
  }

  /** Once the calls `failNext` queued before it are answered, the next call starts a `rateLimitFor(ms)`. */
  rateLimitNext(ms: number): this {
    this.script.push({ rateLimitMs: ms });
    return this;
  }

  /**
   * From now until `ms` later (rounded up to a whole second, as `x-ratelimit-reset` is in seconds)
   * every status call gets 403 "API rate limit exceeded" with `x-ratelimit-remaining: 0`.
   * Answers the reset time (epoch ms).
   */
  rateLimitFor(ms: number): number {
    this.limitedUntil = Math.ceil((Date.now() + ms) / 1000) * 1000;
    return this.limitedUntil;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void readBody(req).then((body) => this.answer(req, body, res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  statusesFor(sha: string, context = 'drydock'): ReceivedStatus[] {
    return this.statuses.filter((s) => s.sha === sha && s.context === context);
  }

  /**
   * The latest status of a context once it is `state`. Drydock sends statuses from its outbox
   * about a second after it stores them (later while GitHub refuses), so this polls.
   */
  async waitForStatus(sha: string, state: string, context = 'drydock', timeoutMs = 15_000): Promise<ReceivedStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const latest = this.statusesFor(sha, context).at(-1);
      if (latest?.state === state) return latest;
      if (Date.now() > deadline) throw new Error(`no "${state}" status for ${sha} (${context}); latest: ${JSON.stringify(latest)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private answer(req: IncomingMessage, body: string, res: ServerResponse): void {
    const match = /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([0-9a-f]{40})$/.exec(req.url ?? '');
    if (this.failWith) return json(res, this.failWith, { message: 'Server Error' });
    const asked = /^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)\/permission$/.exec(req.url ?? '');
    if (req.method === 'GET' && asked) return this.answerPermission(`${asked[1]}/${asked[2]}`, decodeURIComponent(asked[3]), res);
    if (req.method !== 'POST' || !match) return json(res, 404, { message: 'Not Found' });
    const status = JSON.parse(body) as Pick<ReceivedStatus, 'state' | 'context' | 'description' | 'target_url'>;
    const failure = this.failureNow();
    this.calls.push({ sha: match[3], context: status.context, state: status.state, answer: failure?.status ?? 201, at: Date.now() });
    if (failure) return json(res, failure.status, { message: failure.message ?? 'Server Error' }, failure.headers);
    this.statuses.push({ ...status, repo: `${match[1]}/${match[2]}`, sha: match[3], authorization: req.headers.authorization, receivedAt: Date.now() });
    json(res, 201, { id: this.statuses.length, ...status });
  }

  /** GitHub's `permission` folds maintain into write and triage into read; `role_name` names the role. */
  private answerPermission(repo: string, login: string, res: ServerResponse): void {
    this.permissionQuestions.push(`${repo} ${login}`);
    const role = this.permissions.get(`${repo} ${login}`) ?? 'read';
    const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
    json(res, 200, { permission, role_name: role, user: { login } });
  }

  private failureNow(): FailureAnswer | undefined {
    const next = this.script[0];
    if (next && 'rateLimitMs' in next) {
      this.script.shift();
      this.rateLimitFor(next.rateLimitMs);
    }
    if (Date.now() < this.limitedUntil) {
      return {
        status: 403,
        message: 'API rate limit exceeded for user ID 1.',
        headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(this.limitedUntil / 1000) },
      };
    }
    return this.script.shift() as FailureAnswer | undefined;
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
