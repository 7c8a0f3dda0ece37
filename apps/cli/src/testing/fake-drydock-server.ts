import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiBuild } from '../api-client.js';

export interface RecordedRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  accept: string | undefined;
  body: unknown;
}

/** Writes a `text/event-stream` answer the way a Nest `@Sse()` endpoint would. */
export interface SseWriter {
  data(line: string): void;
  event(name: string, data: string): void;
  close(): void;
}

/**
 * A stand-in for the Drydock API, answering the contract's shapes and Nest-style error bodies.
 * Each build is a timeline: successive `GET /api/builds/:id` walk through its states and stay on the last.
 */
export class FakeDrydockServer {
  readonly requests: RecordedRequest[] = [];
  /** Mutating calls need `Authorization: Bearer <token>` when set, as with DRYDOCK_API_TOKEN on the server. */
  token: string | null = null;
  /** Reads need the token too, as with DRYDOCK_READ_TOKEN_REQUIRED=true on the server. */
  readsNeedToken = false;
  /** Routes answered 403 Forbidden whatever the token (`GET /api/builds/:id`). */
  readonly forbiddenRoutes = new Set<string>();
  /** Routes answered like a server that lacks them (`POST /api/builds/:id/retry`). */
  readonly missingRoutes = new Set<string>();
  private readonly timelines = new Map<number, { states: ApiBuild[]; next: number }>();
  private readonly logStreams = new Map<number, (sse: SseWriter) => Promise<void> | void>();
  private readonly logTexts = new Map<number, string>();
  private created: ApiBuild[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeDrydockServer> {
    const fake = new FakeDrydockServer(createServer((req, res) => void fake.handle(req, res)));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  addBuild(...states: ApiBuild[]): void {
    this.timelines.set(states[0]!.id, { states, next: 0 });
  }

  /** The next POST that starts a build answers with `states[0]`; later GETs walk the rest. */
  planNextBuild(...states: ApiBuild[]): void {
    this.created = states;
  }

  setLog(id: number, text: string, stream?: (sse: SseWriter) => Promise<void> | void): void {
    this.logTexts.set(id, text);
    if (stream) this.logStreams.set(id, stream);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString())).on('end', () => resolve(text));
    });
    const { method = 'GET', url = '/' } = req;
    const body: unknown = raw ? JSON.parse(raw) : undefined;
    this.requests.push({ method, url, authorization: req.headers.authorization, accept: req.headers.accept, body });
    const path = url.split('?')[0]!;
    const fail = (status: number, message: string | string[], error: string): void =>
      send(res, status, { statusCode: status, message, error });

    const id = Number(/^\/api\/builds\/(\d+)/.exec(path)?.[1]);
    const route = `${method} ${path.replace(/\/\d+(\/|$)/, '/:id$1')}`;
    if (this.missingRoutes.has(route)) return fail(404, `Cannot ${method} ${path}`, 'Not Found');
    if ((method === 'POST' || this.readsNeedToken) && this.token && req.headers.authorization !== `Bearer ${this.token}`) {
      return fail(401, 'Unauthorized', 'Unauthorized');
    }
    if (this.forbiddenRoutes.has(route)) return fail(403, 'Forbidden resource', 'Forbidden');
    if (route === 'GET /api/builds') {
      const items = [...this.timelines.values()].map((t) => t.states[0]!).sort((a, b) => b.id - a.id);
      return send(res, 200, { items, nextCursor: null });
    }
    if (route === 'POST /api/builds') {
      const repo = (body as { repo?: unknown } | undefined)?.repo;
      if (typeof repo !== 'string' || !repo) return fail(400, ['repo must be a non-empty string'], 'Bad Request');
      return this.startBuild(res);
    }
    const timeline = this.timelines.get(id);
    if (!timeline) return fail(404, `Build ${id} not found`, 'Not Found');
    switch (route) {
      case 'GET /api/builds/:id':
        return send(res, 200, timeline.states[Math.min(timeline.next++, timeline.states.length - 1)]);
      case 'GET /api/builds/:id/logs':
        return this.sendLog(id, req, res);
      case 'POST /api/builds/:id/rebuild':
      case 'POST /api/builds/:id/retry':
        return this.startBuild(res);
      case 'POST /api/builds/:id/cancel':
        return send(res, 200, { ...timeline.states.at(-1), status: 'cancelled' });
      case 'POST /api/builds/:id/approve':
      case 'POST /api/builds/:id/decline': {
        const now = timeline.states.at(-1)!;
        if (now.status !== 'blocked') return fail(409, `build ${id} is ${now.status}: only a blocked build can be approved or declined`, 'Conflict');
        return send(res, 200, route.endsWith('approve') ? { ...now, status: 'queued' } : { ...now, status: 'cancelled', error: 'declined' });
      }
      default:
        return fail(404, `Cannot ${method} ${path}`, 'Not Found');
    }
  }

  private startBuild(res: ServerResponse): void {
    const [first] = this.created;
    if (!first) return send(res, 500, { statusCode: 500, message: 'Internal server error' });
    this.timelines.set(first.id, { states: this.created, next: 1 });
    send(res, 201, first);
  }

  private async sendLog(id: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const stream = this.logStreams.get(id);
    if (!stream || !req.headers.accept?.includes('text/event-stream')) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(this.logTexts.get(id) ?? '');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    await stream({
      data: (line) => res.write(`data: ${line}\n\n`),
      event: (name, data) => res.write(`event: ${name}\ndata: ${data}\n\n`),
      close: () => res.end(),
    });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
