import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { Webhooks } from '@octokit/webhooks';

/** Real payloads from @octokit/webhooks-examples, with the fields a test needs replaced. */
const require = createRequire(import.meta.url);
const examples = require('@octokit/webhooks-examples') as Array<{ name: string; examples: Array<Record<string, unknown>> }>;

export function examplePayload(event: string, pick: (payload: Record<string, unknown>) => boolean = () => true): Record<string, unknown> {
  const found = examples.find((e) => e.name === event)?.examples.find(pick);
  if (!found) throw new Error(`no ${event} example in @octokit/webhooks-examples`);
  return structuredClone(found);
}

export interface PushOptions {
  ref: string;
  sha: string;
  cloneUrl: string;
  fullName: string;
  defaultBranch?: string;
}

/** GitHub's branch-push example, pointed at a test repository. */
export function pushPayload(options: PushOptions): Record<string, unknown> {
  const payload = examplePayload('push', (p) => p.deleted === false && String(p.ref).startsWith('refs/heads/'));
  const [owner, name] = options.fullName.split('/');
  const repository = payload.repository as Record<string, unknown>;
  Object.assign(repository, {
    full_name: options.fullName,
    name,
    clone_url: options.cloneUrl,
    default_branch: options.defaultBranch ?? 'main',
    owner: { ...(repository.owner as object), login: owner, name: owner },
  });
  return { ...payload, ref: options.ref, after: options.sha, created: false, deleted: false };
}

export interface SignedDelivery {
  headers: Record<string, string>;
  body: string;
}

/** The request GitHub would send: body, event, delivery id and HMAC signature. */
export async function signedDelivery(event: string, payload: unknown, secret: string, deliveryId: string = randomUUID()): Promise<SignedDelivery> {
  const body = JSON.stringify(payload);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': deliveryId,
      'x-hub-signature-256': await new Webhooks({ secret }).sign(body),
    },
  };
}
