import { execFile } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomInt, randomUUID, verify } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { serveWithHttpBackend } from './git-http-server.js';

const execFileAsync = promisify(execFile);

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

export interface FakeGitHubServerOptions {
  /**
   * Serve over TLS with a self-signed certificate for 127.0.0.1 made at start (trust it with
   * `caFile`), the API under `/api/v3` as GitHub Enterprise does (`apiUrl`).
   */
  https?: boolean;
}

/** A GitHub App for a test: its id and an RSA key pair in PEM, the private key PKCS#8. */
export interface TestApp {
  appId: string;
  privateKey: string;
  publicKey: string;
}

/** Who the server is as a GitHub App: JWTs must be signed by `publicKey`'s pair and name `appId` (or `clientId`) as `iss`. */
export interface AppIdentity {
  appId: string;
  publicKey: string;
  clientId?: string;
}

/** An installation access token the App asked for (`POST /app/installations/{id}/access_tokens`). */
export interface TokenRequest {
  installationId: number;
  token: string;
  /** The JWT's `iss`, as sent. */
  iss: string | number;
  at: number;
}

export interface CheckRunOutput {
  title?: string;
  summary?: string;
  text?: string;
}

/** A check run in its current state, with every state it was created or updated to. */
export interface ReceivedCheckRun {
  id: number;
  repo: string;
  name: string;
  head_sha: string;
  external_id: string | null;
  status: string;
  conclusion: string | null;
  details_url: string | null;
  output: CheckRunOutput;
  started_at: string | null;
  completed_at: string | null;
  history: Array<{ status: string; conclusion: string | null }>;
  /** The Authorization header of the latest create or update. */
  authorization: string | undefined;
}

/** One attempt to deliver a webhook, in GitHub's shape (`GET /app/hook/deliveries`), and the body it carried. */
export interface HookDeliveryRecord {
  id: number;
  /** The event's `X-GitHub-Delivery`: the same for every attempt of it. */
  guid: string;
  /** ISO, whole seconds, as GitHub writes it. */
  delivered_at: string;
  redelivery: boolean;
  /** Seconds. */
  duration: number;
  status: string;
  /** The receiver's HTTP answer; 0 when none came. */
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  /** The JSON body sent. */
  payload: string;
}

/** A delivery GitHub "made" before the test looked (`recordDelivery`). */
export interface PastDelivery {
  event: string;
  payload: unknown;
  guid?: string;
  /** What the receiver answered; 0 for no answer (a timeout, a refused connection). */
  statusCode: number;
}

/** A git request on the server's host (`serveGit`); `answer` is the HTTP status it got. */
export interface GitRequest {
  /** `owner/name` */
  repo: string;
  /** The request path, query included. */
  path: string;
  /** The installation of the token it carried, when that token was live. */
  installationId: number | undefined;
  answer: number;
}

const JWT_UNDECODABLE = 'A JSON web token could not be decoded';
// auth-app corrects its clock and retries on these three (GitHub's own wording).
const JWT_EXPIRED = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
const JWT_TOO_LONG = "'Expiration time' claim ('exp') is too far in the future";
const JWT_BAD_IAT = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
const JWT_MAX_LIFETIME_S = 600;
const CLOCK_SKEW_S = 60;
const TOKEN_LIFETIME_MS = 60 * 60_000;
const TOKEN_PERMISSIONS = { checks: 'write', statuses: 'write', contents: 'read', metadata: 'read', pull_requests: 'read' };
const WEBHOOK_TIMEOUT_MS = 10_000;

/** One API request: the path is without any `/api/v3` prefix, which `prefix` keeps for links. */
interface ApiCall {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  prefix: string;
  body: string;
}

interface Route {
  method: string;
  path: RegExp;
  answer: (call: ApiCall, ...params: string[]) => void | Promise<void>;
}

/**
 * A local server that answers GitHub's REST shapes for what Drydock calls, and records every request:
 *
 * - commit statuses (`POST /repos/{o}/{r}/statuses/{sha}`) and collaborator permissions
 *   (`GET /repos/{o}/{r}/collaborators/{u}/permission`, from the table `grant` fills, `read` for anyone
 *   else, as on a public repository), with any credentials, except an installation token of another installation (404);
 * - as a GitHub App (`useApp`, `install`): installation tokens and installations (App JWT), check runs
 *   (installation token), the App's webhook deliveries and redeliveries (App JWT, sent to `deliverWebhooksTo`);
 * - git smart-HTTP on the same host (`serveGit`), for installation tokens of the repository's installation.
 *
 * Plain http with the API at the root unless started with `{ https: true }` (then also under `/api/v3`).
 * It can play an outage: `failWith` refuses every API request, `failNext` the next status calls,
 * `rateLimitFor` (now) and `rateLimitNext` (after the queued failures) answer 403 with spent
 * rate-limit headers until a reset time, as github.com does.
 */
export class FakeGitHubServer {
  readonly statuses: ReceivedStatus[] = [];
  /** Every status call, taken or refused, oldest first. */
  readonly calls: StatusCall[] = [];
  /** While set, every API request answers with this HTTP status (GitHub outage). */
  failWith: number | null = null;
  /** Every permission question, as `owner/repo login`. */
  readonly permissionQuestions: string[] = [];
  /** The `Authorization` each permission question came with, as `owner/repo login` → header (the last one). */
  readonly permissionAuthorizations = new Map<string, string | undefined>();
  /** Why each App JWT was refused, oldest first. */
  readonly jwtRefusals: string[] = [];
  readonly tokenRequests: TokenRequest[] = [];
  readonly checkRuns: ReceivedCheckRun[] = [];
  /** Every delivery attempt, oldest first (the API lists them newest first). */
  readonly deliveries: HookDeliveryRecord[] = [];
  /** The delivery ids the App asked to redeliver. */
  readonly redeliveryRequests: number[] = [];
  readonly gitRequests: GitRequest[] = [];
  private readonly permissions = new Map<string, string>();
  private readonly script: Array<FailureAnswer | { rateLimitMs: number }> = [];
  private limitedUntil = 0;
  private server?: Server | HttpsServer;
  private certFile?: string;
  private gitRoot?: string;
  private readonly tempDirs: string[] = [];
  private app?: AppIdentity;
  /** `owner/name` -> installation id. */
  private readonly installations = new Map<string, number>();
  private readonly tokens = new Map<string, { installationId: number; expiresAt: number }>();
  private webhook?: { url: string; secret: string };
  private readonly sending = new Set<Promise<unknown>>();
  private nextCheckRunId = 1;
  private nextDeliveryId = 1;

  private readonly routes: Route[] = [
    route('POST', /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([0-9a-f]{40})$/, (c, o, r, sha) => this.answerStatus(c, `${o}/${r}`, sha)),
    route('GET', /^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)\/permission$/, (c, o, r, login) => this.answerPermission(c, `${o}/${r}`, login)),
    route('GET', /^\/repos\/([^/]+)\/([^/]+)\/installation$/, (c, o, r) => this.answerInstallation(c, o, r)),
    route('POST', /^\/app\/installations\/(\d+)\/access_tokens$/, (c, id) => this.answerAccessToken(c, Number(id))),
    route('POST', /^\/repos\/([^/]+)\/([^/]+)\/check-runs$/, (c, o, r) => this.answerCreateCheckRun(c, `${o}/${r}`)),
    route('PATCH', /^\/repos\/([^/]+)\/([^/]+)\/check-runs\/(\d+)$/, (c, o, r, id) => this.answerUpdateCheckRun(c, `${o}/${r}`, Number(id))),
    route('GET', /^\/app\/hook\/deliveries$/, (c) => this.answerDeliveries(c)),
    route('POST', /^\/app\/hook\/deliveries\/(\d+)\/attempts$/, (c, id) => this.answerRedelivery(c, Number(id))),
  ];

  /** A new App: `appId` and a fresh 2048-bit RSA key pair. */
  static testApp(appId = '4242'): TestApp {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    return { appId, privateKey, publicKey };
  }

  /** `http://127.0.0.1:<port>`, or `https://…` when started with `https`. Git repositories are at `${url}/<owner>/<name>.git`. */
  get url(): string {
    const { port } = this.server?.address() as AddressInfo;
    return `${this.certFile ? 'https' : 'http'}://127.0.0.1:${port}`;
  }

  /** What `GITHUB_API_URL` should be: `${url}/api/v3` over https (GitHub Enterprise's layout), else `url`. */
  get apiUrl(): string {
    return this.certFile ? `${this.url}/api/v3` : this.url;
  }

  /** The PEM of the self-signed certificate when serving https (for `NODE_EXTRA_CA_CERTS`, `GIT_SSL_CAINFO`); removed by `stop`. */
  get caFile(): string | undefined {
    return this.certFile;
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

  /** Makes the server this App: the `/app` routes then take JWTs it signed (see `testApp`). */
  useApp(app: AppIdentity): this {
    this.app = app;
    return this;
  }

  /** Installs the App on `repo` (owner/name) as installation `installationId` (one installation may cover several). */
  install(repo: string, installationId: number): this {
    this.installations.set(repo, installationId);
    return this;
  }

  /** Where deliveries and redeliveries are posted, signed with `secret`. */
  deliverWebhooksTo(url: string, secret: string): this {
    this.webhook = { url, secret };
    return this;
  }

  /** Notes a delivery GitHub made earlier (one that failed, say) so the App's delivery list shows it; answers its id. */
  recordDelivery(delivery: PastDelivery): number {
    const body = typeof delivery.payload === 'string' ? delivery.payload : JSON.stringify(delivery.payload);
    return this.addDelivery({ event: delivery.event, body, guid: delivery.guid ?? randomUUID(), statusCode: delivery.statusCode, redelivery: false, seconds: 0 }).id;
  }

  /**
   * Makes a root for bare repositories `<root>/<owner>/<name>.git`, served by `git http-backend`
   * at `${url}/<owner>/<name>.git` to `Authorization: Basic base64(x-access-token:<token>)` where the
   * token is a live installation token of the repository's installation; answers the root.
   */
  async serveGit(): Promise<string> {
    this.gitRoot ??= await this.tempDir('drydock-fake-github-git-');
    return this.gitRoot;
  }

  async start(options: FakeGitHubServerOptions = {}): Promise<this> {
    const handle = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    if (options.https) {
      const { key, cert, certFile } = await selfSignedCertificate(await this.tempDir('drydock-fake-github-tls-'));
      this.certFile = certFile;
      this.server = createHttpsServer({ key, cert }, handle);
    } else {
      this.server = createHttpServer(handle);
    }
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
  waitForStatus(sha: string, state: string, context = 'drydock', timeoutMs = 15_000): Promise<ReceivedStatus> {
    const latest = () => this.statusesFor(sha, context).at(-1);
    return poll(
      () => (latest()?.state === state ? latest() : undefined),
      () => `no "${state}" status for ${sha} (${context}); latest: ${JSON.stringify(latest())}`,
      timeoutMs,
    );
  }

  /** The latest check run `name` on `sha` once its status is `status` (`queued`, `in_progress`, `completed`); polls as `waitForStatus`. */
  waitForCheckRun(sha: string, name: string, status: string, timeoutMs = 15_000): Promise<ReceivedCheckRun> {
    const latest = () => this.checkRuns.filter((r) => r.head_sha === sha && r.name === name).at(-1);
    return poll(
      () => (latest()?.status === status ? latest() : undefined),
      () => `no "${status}" check run ${name} for ${sha}; latest: ${JSON.stringify(latest())}`,
      timeoutMs,
    );
  }

  /** Waits for redeliveries under way, closes every connection and removes the certificate and git root. */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.sending]);
    const server = this.server;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await Promise.all(this.tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const git = this.gitRoot && /^\/([^/]+)\/([^/]+)\.git(?:\/|$)/.exec(url.pathname);
    if (git) return this.answerGit(req, res, `${git[1]}/${git[2]}`);
    const prefix = url.pathname.startsWith('/api/v3/') ? '/api/v3' : '';
    readBody(req).then(
      (body) => this.answerApi({ req, res, url, prefix, body }),
      () => res.destroy(),
    );
  }

  private async answerApi(call: ApiCall): Promise<void> {
    if (this.failWith) return json(call.res, this.failWith, { message: 'Server Error' });
    const apiPath = call.url.pathname.slice(call.prefix.length);
    for (const { method, path: pattern, answer } of this.routes) {
      const match = pattern.exec(apiPath);
      if (match && call.req.method === method) {
        try {
          return await answer(call, ...match.slice(1).map(decodeURIComponent));
        } catch (err) {
          return json(call.res, 500, { message: `fake GitHub: ${(err as Error).message}` });
        }
      }
    }
    json(call.res, 404, { message: 'Not Found' });
  }

  private answerStatus(call: ApiCall, repo: string, sha: string): void {
    const status = parseJson(call) as Pick<ReceivedStatus, 'state' | 'context' | 'description' | 'target_url'> | undefined;
    if (!status) return;
    const failure = this.outOfInstallation(call, repo) ?? this.failureNow();
    this.calls.push({ sha, context: status.context, state: status.state, answer: failure?.status ?? 201, at: Date.now() });
    if (failure) return json(call.res, failure.status, { message: failure.message ?? 'Server Error' }, failure.headers);
    this.statuses.push({ ...status, repo, sha, authorization: call.req.headers.authorization, receivedAt: Date.now() });
    json(call.res, 201, { id: this.statuses.length, ...status });
  }

  /** GitHub's `permission` folds maintain into write and triage into read; `role_name` names the role. */
  private answerPermission(call: ApiCall, repo: string, login: string): void {
    this.permissionQuestions.push(`${repo} ${login}`);
    this.permissionAuthorizations.set(`${repo} ${login}`, call.req.headers.authorization);
    const hidden = this.outOfInstallation(call, repo);
    if (hidden) return json(call.res, hidden.status, { message: hidden.message });
    const role = this.permissions.get(`${repo} ${login}`) ?? 'read';
    const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
    json(call.res, 200, { permission, role_name: role, user: { login } });
  }

  private answerInstallation(call: ApiCall, owner: string, name: string): void {
    if (this.appJwtOf(call) === undefined) return;
    const id = this.installations.get(`${owner}/${name}`);
    if (id === undefined) return json(call.res, 404, { message: 'Not Found' });
    json(call.res, 200, { id, account: { login: owner }, app_id: numberOrString(this.app!.appId), repository_selection: 'selected', target_type: 'Organization' });
  }

  private answerAccessToken(call: ApiCall, installationId: number): void {
    const iss = this.appJwtOf(call);
    if (iss === undefined) return;
    if (![...this.installations.values()].includes(installationId)) return json(call.res, 404, { message: 'Not Found' });
    const token = `ghs_${randomAlphanumerics(36)}`;
    const expiresAt = Date.now() + TOKEN_LIFETIME_MS;
    this.tokens.set(token, { installationId, expiresAt });
    this.tokenRequests.push({ installationId, token, iss, at: Date.now() });
    json(call.res, 201, { token, expires_at: new Date(expiresAt).toISOString(), permissions: TOKEN_PERMISSIONS, repository_selection: 'selected' });
  }

  private answerCreateCheckRun(call: ApiCall, repo: string): void {
    if (this.checkRunAccessOf(call, repo) === undefined) return;
    const body = parseJson(call) as Partial<ReceivedCheckRun> | undefined;
    if (!body) return;
    if (!body.name || !body.head_sha) return json(call.res, 422, { message: `Invalid request.\n\n"${body.name ? 'head_sha' : 'name'}" wasn't supplied.` });
    const run: ReceivedCheckRun = {
      id: this.nextCheckRunId++,
      repo,
      name: body.name,
      head_sha: body.head_sha,
      external_id: body.external_id ?? null,
      status: 'queued',
      conclusion: null,
      details_url: null,
      output: {},
      started_at: null,
      completed_at: null,
      history: [],
      authorization: undefined,
    };
    const updated = withChanges(run, body);
    if (!updated) return json(call.res, 422, { message: 'Invalid request.\n\n"conclusion" is required when status is "completed".' });
    this.checkRuns.push(record(updated, call));
    json(call.res, 201, checkRunView(updated, this.app?.appId));
  }

  private answerUpdateCheckRun(call: ApiCall, repo: string, id: number): void {
    if (this.checkRunAccessOf(call, repo) === undefined) return;
    const body = parseJson(call) as Partial<ReceivedCheckRun> | undefined;
    if (!body) return;
    const index = this.checkRuns.findIndex((r) => r.id === id && r.repo === repo);
    if (index < 0) return json(call.res, 404, { message: 'Not Found' });
    const updated = withChanges(this.checkRuns[index], body);
    if (!updated) return json(call.res, 422, { message: 'Invalid request.\n\n"conclusion" is required when status is "completed".' });
    this.checkRuns[index] = record(updated, call);
    json(call.res, 200, checkRunView(updated, this.app?.appId));
  }

  /** Newest first, `per_page` (default 30, at most 100) a page; the `cursor` of the next page is in the `Link` header. */
  private answerDeliveries(call: ApiCall): void {
    if (this.appJwtOf(call) === undefined) return;
    const perPage = Math.min(Math.max(Number(call.url.searchParams.get('per_page') ?? 30) || 30, 1), 100);
    const cursor = call.url.searchParams.get('cursor');
    const before = cursor === null ? Infinity : Number(/^v1_(\d+)$/.exec(cursor)?.[1] ?? Number.NaN);
    if (Number.isNaN(before)) return json(call.res, 422, { message: 'Invalid cursor' });
    const rest = this.deliveries.filter((d) => d.id < before).sort((a, b) => b.id - a.id);
    const page = rest.slice(0, perPage);
    const next = rest.length > perPage ? `${this.url}${call.prefix}/app/hook/deliveries?per_page=${perPage}&cursor=v1_${page.at(-1)!.id}` : undefined;
    json(call.res, 200, page.map(({ payload: _payload, ...listed }) => listed), next ? { link: `<${next}>; rel="next"` } : {});
  }

  /** Accepted at once; the attempt is sent after the answer, as GitHub queues it. */
  private answerRedelivery(call: ApiCall, id: number): void {
    if (this.appJwtOf(call) === undefined) return;
    this.redeliveryRequests.push(id);
    const delivery = this.deliveries.find((d) => d.id === id);
    if (!delivery) return json(call.res, 404, { message: 'Not Found' });
    json(call.res, 202, {});
    void this.send(delivery.event, delivery.payload, delivery.guid, true);
  }

  private answerGit(req: IncomingMessage, res: ServerResponse, repo: string): void {
    const token = basicPassword(req.headers.authorization);
    const installationId = token === undefined ? undefined : this.liveToken(token)?.installationId;
    res.on('close', () => this.gitRequests.push({ repo, path: req.url ?? '/', installationId, answer: res.statusCode }));
    if (installationId === undefined || this.installations.get(repo) !== installationId) {
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Basic realm="GitHub"' }).end('Invalid username or token.\n');
      return;
    }
    serveWithHttpBackend(this.gitRoot!, req, res);
  }

  /** The `iss` of a valid App JWT in `Authorization: Bearer`; otherwise answers 401, notes why, and answers undefined. */
  private appJwtOf(call: ApiCall): string | number | undefined {
    const jwt = /^Bearer\s+(\S+)$/i.exec(call.req.headers.authorization ?? '')?.[1];
    const checked = !jwt ? undecodable('no Bearer token') : !this.app ? undecodable('no App (useApp)') : checkAppJwt(jwt, this.app);
    if ('iss' in checked) return checked.iss;
    this.jwtRefusals.push(checked.reason);
    json(call.res, 401, { message: checked.message, documentation_url: 'https://docs.github.com/rest' });
    return undefined;
  }

  /** The installation of a live installation token that may write checks on `repo`; otherwise answers 401 or 403 and answers undefined. */
  private checkRunAccessOf(call: ApiCall, repo: string): number | undefined {
    const token = installationTokenIn(call.req.headers.authorization);
    const live = token === undefined ? undefined : this.liveToken(token);
    if (!live) {
      json(call.res, 401, { message: 'Bad credentials' });
      return undefined;
    }
    if (this.installations.get(repo) !== live.installationId) {
      json(call.res, 403, { message: 'Resource not accessible by integration' });
      return undefined;
    }
    return live.installationId;
  }

  /** A 404 for a live installation token whose installation does not cover `repo`: GitHub hides private repositories. */
  private outOfInstallation(call: ApiCall, repo: string): FailureAnswer | undefined {
    const token = installationTokenIn(call.req.headers.authorization);
    const live = token === undefined ? undefined : this.liveToken(token);
    return live && this.installations.get(repo) !== live.installationId ? { status: 404, message: 'Not Found' } : undefined;
  }

  private liveToken(token: string): { installationId: number } | undefined {
    const known = this.tokens.get(token);
    return known && known.expiresAt > Date.now() ? known : undefined;
  }

  /** Posts an attempt to `deliverWebhooksTo` and records it; `stop` waits for the ones under way. */
  private send(event: string, body: string, guid: string, redelivery: boolean): Promise<HookDeliveryRecord> {
    const started = Date.now();
    const sent = postWebhook(this.webhook, event, body, guid, this.app?.appId).then((statusCode) =>
      this.addDelivery({ event, body, guid, statusCode, redelivery, seconds: (Date.now() - started) / 1000 }),
    );
    this.sending.add(sent);
    void sent.finally(() => this.sending.delete(sent));
    return sent;
  }

  private addDelivery(d: { event: string; body: string; guid: string; statusCode: number; redelivery: boolean; seconds: number }): HookDeliveryRecord {
    const payload = (jsonObject(d.body) ?? {}) as { action?: string; installation?: { id?: number }; repository?: { id?: number } };
    const delivery: HookDeliveryRecord = {
      id: this.nextDeliveryId++,
      guid: d.guid,
      delivered_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      redelivery: d.redelivery,
      duration: d.seconds,
      status: d.statusCode === 0 ? 'timed out' : d.statusCode < 300 ? 'OK' : `Invalid HTTP Response: ${d.statusCode}`,
      status_code: d.statusCode,
      event: d.event,
      action: payload.action ?? null,
      installation_id: payload.installation?.id ?? null,
      repository_id: payload.repository?.id ?? null,
      payload: d.body,
    };
    this.deliveries.push(delivery);
    return delivery;
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

  private async tempDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), prefix));
    this.tempDirs.push(dir);
    return dir;
  }
}

function route(method: string, pattern: RegExp, answer: Route['answer']): Route {
  return { method, path: pattern, answer };
}

/**
 * GitHub's checks on an App JWT: RS256 signed by the App's key, `iss` the App (its id, as a number
 * or a string, or its client id), `iat` not in the future (beyond the clock skew), `exp` in the
 * future and at most 10 minutes after `iat`.
 */
function checkAppJwt(jwt: string, app: AppIdentity): { iss: string | number } | { reason: string; message: string } {
  const nowS = Date.now() / 1000;
  const parts = jwt.split('.');
  if (parts.length !== 3) return undecodable('not three dot-separated parts');
  const [header, payload, signature] = parts;
  let alg: unknown;
  let claims: { iss?: unknown; iat?: unknown; exp?: unknown };
  try {
    alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown }).alg;
    claims = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims | null) ?? {};
  } catch {
    return undecodable('header or payload is not base64url JSON');
  }
  if (alg !== 'RS256') return undecodable(`alg ${String(alg)}`);
  if (!signedBy(app.publicKey, `${header}.${payload}`, signature)) return undecodable('signature does not verify');
  const { iss, iat, exp } = claims;
  const issuedByApp = (typeof iss === 'string' || typeof iss === 'number') && (String(iss) === app.appId || iss === app.clientId);
  if (!issuedByApp) return undecodable(`iss ${JSON.stringify(iss)} is not the App`);
  if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > nowS + CLOCK_SKEW_S) return { reason: `iat ${String(iat)}`, message: JWT_BAD_IAT };
  if (typeof exp !== 'number' || exp <= nowS) return { reason: `exp ${String(exp)} is not in the future`, message: JWT_EXPIRED };
  if (exp - iat > JWT_MAX_LIFETIME_S) return { reason: `exp ${exp} is more than 10 minutes after iat ${iat}`, message: JWT_TOO_LONG };
  return { iss };
}

function undecodable(reason: string): { reason: string; message: string } {
  return { reason, message: JWT_UNDECODABLE };
}

function signedBy(publicKey: string, signed: string, signature: string): boolean {
  try {
    return verify('sha256', Buffer.from(signed), publicKey, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

/** `Authorization: token X` or `Bearer X`. */
function installationTokenIn(authorization: string | undefined): string | undefined {
  return /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? '')?.[1];
}

/** The password of `Authorization: Basic` (git sends the token there, any user name). */
function basicPassword(authorization: string | undefined): string | undefined {
  const encoded = /^Basic\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/** The run with `changes` (a create's or an update's body) applied, or undefined when it would be completed without a conclusion. */
function withChanges(run: ReceivedCheckRun, changes: Partial<ReceivedCheckRun>): ReceivedCheckRun | undefined {
  const pick = <K extends keyof ReceivedCheckRun>(key: K): ReceivedCheckRun[K] => (changes[key] !== undefined ? (changes[key] as ReceivedCheckRun[K]) : run[key]);
  // GitHub: "Providing conclusion will automatically set the status parameter to completed."
  const status = changes.conclusion ? 'completed' : pick('status');
  const conclusion = pick('conclusion');
  if (status === 'completed' && !conclusion) return undefined;
  const completedAt = pick('completed_at') ?? (status === 'completed' ? new Date().toISOString() : null);
  return {
    ...run,
    name: pick('name'),
    external_id: pick('external_id'),
    status,
    conclusion: status === 'completed' ? conclusion : null,
    details_url: pick('details_url'),
    output: changes.output ? { ...run.output, ...changes.output } : run.output,
    started_at: pick('started_at'),
    completed_at: completedAt,
  };
}

function record(run: ReceivedCheckRun, call: ApiCall): ReceivedCheckRun {
  return { ...run, history: [...run.history, { status: run.status, conclusion: run.conclusion }], authorization: call.req.headers.authorization };
}

/** The run as GitHub answers it. */
function checkRunView(run: ReceivedCheckRun, appId: string | undefined) {
  const { history: _history, authorization: _authorization, repo: _repo, ...fields } = run;
  return { ...fields, output: { title: null, summary: null, text: null, ...run.output, annotations_count: 0 }, app: appId ? { id: numberOrString(appId) } : null };
}

/** Posts a webhook as GitHub does; answers the receiver's status, 0 when none came (or nowhere to send). */
async function postWebhook(to: { url: string; secret: string } | undefined, event: string, body: string, guid: string, appId: string | undefined): Promise<number> {
  if (!to) return 0;
  try {
    const res = await fetch(to.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/fake',
        'x-github-event': event,
        'x-github-delivery': guid,
        'x-hub-signature-256': `sha256=${createHmac('sha256', to.secret).update(body).digest('hex')}`,
        ...(appId ? { 'x-github-hook-installation-target-type': 'integration', 'x-github-hook-installation-target-id': appId } : {}),
      },
      body,
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** A key and a self-signed certificate for 127.0.0.1 in `dir`, valid a day. */
async function selfSignedCertificate(dir: string): Promise<{ key: string; cert: string; certFile: string }> {
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  await execFileAsync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-days', '1', '-keyout', keyFile, '-out', certFile,
  ]);
  return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8'), certFile };
}

async function poll<T>(found: () => T | undefined, failure: () => string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = found();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(failure());
    await new Promise((r) => setTimeout(r, 50));
  }
}

function randomAlphanumerics(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}

/** GitHub's ids are numbers; a test App's id may not be numeric. */
function numberOrString(id: string): number | string {
  return /^\d+$/.test(id) ? Number(id) : id;
}

/** The body's JSON object, or undefined after answering 400 as GitHub does. */
function parseJson(call: ApiCall): Record<string, unknown> | undefined {
  const parsed = jsonObject(call.body);
  if (!parsed) json(call.res, 400, { message: 'Problems parsing JSON' });
  return parsed;
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
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
