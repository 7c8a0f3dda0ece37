import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>`; a repository `owner/name` is at `${url}/owner/name.git`. */
  url: string;
  /** Directory the bare repositories live in (`<root>/owner/name.git`). */
  root: string;
  /** Every request seen, oldest first, so tests can check what a client sent. */
  requests: GitHttpRequest[];
  close(): Promise<void>;
}

export interface GitHttpRequest {
  method: string;
  path: string;
  authorization: string | undefined;
}

export interface GitHttpServerOptions {
  /** When set, every request must carry `Authorization: Basic base64(x-access-token:<token>)`, else 401. */
  requireToken?: string;
}

/**
 * A real git smart-HTTP server: Node's http server on 127.0.0.1 running `git http-backend`
 * as a CGI script, serving (and accepting pushes to) the bare repositories under `root`.
 * It answers from this process's event loop: talk to it with async child processes
 * (`execFile`), never `execFileSync`, or the client waits forever.
 */
export async function startGitHttpServer(options: GitHttpServerOptions = {}): Promise<GitHttpServer> {
  const root = await mkdtemp(path.join(tmpdir(), 'drydock-git-http-'));
  const requests: GitHttpRequest[] = [];
  const expected = options.requireToken && `Basic ${Buffer.from(`x-access-token:${options.requireToken}`).toString('base64')}`;
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', authorization: req.headers.authorization });
    if (expected && req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('authentication required\n');
      return;
    }
    serveWithHttpBackend(root, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    root,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * Answers one smart-HTTP request with `git http-backend` serving the bare repositories under
 * `root` (the request path is `/<owner>/<name>.git/...`). Checks no credentials: the caller does.
 */
export function serveWithHttpBackend(root: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const backend = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
      ...(typeof req.headers['git-protocol'] === 'string' ? { GIT_PROTOCOL: req.headers['git-protocol'] } : {}),
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  req.pipe(backend.stdin);
  backend.stdin.on('error', () => undefined);
  backend.on('error', (err) => res.headersSent || res.writeHead(500).end(`git http-backend: ${err.message}\n`));
  relayCgiResponse(backend.stdout, res);
}

/** CGI output is headers (with an optional `Status: 404 Not Found`), a blank line, then the body. */
function relayCgiResponse(stdout: NodeJS.ReadableStream, res: ServerResponse): void {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    const endLf = head.indexOf('\n\n');
    const [split, gap] = end >= 0 && (endLf < 0 || end < endLf) ? [end, 4] : [endLf, 2];
    if (split < 0) return;
    stdout.off('data', onData);
    let status = 200;
    for (const line of head.subarray(0, split).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else if (name) res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(split + gap));
    stdout.pipe(res);
  };
  stdout.on('data', onData);
  stdout.on('end', () => res.headersSent || res.writeHead(502).end('git http-backend sent no response\n'));
}
