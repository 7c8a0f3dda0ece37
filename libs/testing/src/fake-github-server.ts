import { createServer, type IncomingMessage, type Server } from 'node:http';
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
}

/**
 * A local HTTP server that answers GitHub's REST shapes for what Drydock calls
 * (`POST /repos/{owner}/{repo}/statuses/{sha}`) and records every request.
 */
export class FakeGitHubServer {
  readonly statuses: ReceivedStatus[] = [];
  /** While set, every request answers with this HTTP status (GitHub outage). */
  failWith: number | null = null;
  private server?: Server;

  get url(): string {
    const { port } = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void readBody(req).then((body) => {
        const match = /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([0-9a-f]{40})$/.exec(req.url ?? '');
        if (this.failWith) {
          res.writeHead(this.failWith, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Server Error' }));
        } else if (req.method === 'POST' && match) {
          const status = JSON.parse(body) as Omit<ReceivedStatus, 'repo' | 'sha' | 'authorization'>;
          this.statuses.push({ ...status, repo: `${match[1]}/${match[2]}`, sha: match[3], authorization: req.headers.authorization });
          res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: this.statuses.length, ...status }));
        } else {
          res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  statusesFor(sha: string, context = 'drydock'): ReceivedStatus[] {
    return this.statuses.filter((s) => s.sha === sha && s.context === context);
  }

  /** The latest status of a context once it is `state` (statuses are posted just after a build is stored final). */
  async waitForStatus(sha: string, state: string, context = 'drydock', timeoutMs = 5000): Promise<ReceivedStatus> {
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
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
