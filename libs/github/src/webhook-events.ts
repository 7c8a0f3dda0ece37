import { Webhooks } from '@octokit/webhooks';
import { z } from 'zod';
import type { BuildRequest } from '@drydock/core';
import { DrydockError, isOwnerName, withoutCredentials } from '@drydock/core';

/** Verifies `X-Hub-Signature-256` over the raw body with @octokit/webhooks (constant time). */
export async function verifyWebhookSignature(secret: string, rawBody: string, signature: string | undefined): Promise<boolean> {
  if (!signature || !signature.startsWith('sha256=')) return false;
  try {
    return await new Webhooks({ secret }).verify(rawBody, signature);
  } catch {
    return false;
  }
}

export type WebhookOutcome =
  | { kind: 'ping'; zen: string }
  | { kind: 'build'; requests: BuildRequest[] }
  | { kind: 'ignored'; reason: string };

const repositorySchema = z.object({
  full_name: z.string().refine(isOwnerName, 'must be owner/name'),
  clone_url: z.string().url(),
  default_branch: z.string().min(1),
});

const pushSchema = z.object({
  ref: z.string().startsWith('refs/'),
  after: z.string().regex(/^[0-9a-f]{40}$/, 'must be a 40-character commit sha'),
  before: z.string().optional(),
  deleted: z.boolean().optional(),
  repository: repositorySchema,
});

/** Maps a verified GitHub event to what Drydock builds. Throws `invalid_request` naming the bad field. */
export function parseWebhook(event: string, payload: unknown): WebhookOutcome {
  switch (event) {
    case 'ping':
      return { kind: 'ping', zen: typeof (payload as { zen?: unknown })?.zen === 'string' ? (payload as { zen: string }).zen : '' };
    case 'push':
      return parsePush(payload);
    default:
      return { kind: 'ignored', reason: `event "${event}" is not built` };
  }
}

function parsePush(payload: unknown): WebhookOutcome {
  const push = parseOrThrow(pushSchema, payload, 'push');
  if (push.deleted) return { kind: 'ignored', reason: `${push.ref} was deleted` };
  const isTag = push.ref.startsWith('refs/tags/');
  if (!isTag && !push.ref.startsWith('refs/heads/')) return { kind: 'ignored', reason: `ref ${push.ref} is not a branch or tag` };
  return {
    kind: 'build',
    requests: [
      {
        repo: push.repository.full_name,
        // Never stored with credentials: private clones use GITHUB_TOKEN.
        cloneUrl: withoutCredentials(push.repository.clone_url),
        ref: push.ref,
        sha: push.after,
        event: isTag ? 'tag' : 'push',
        defaultBranch: push.repository.default_branch,
        // what `.drydock.yml` `paths` compare against; all zeros (a new branch) is kept, and means nothing to compare
        before: push.before !== undefined && /^[0-9a-f]{40}$/.test(push.before) ? push.before : null,
      },
    ],
  };
}

function parseOrThrow<T>(schema: z.ZodType<T>, payload: unknown, event: string): T {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new DrydockError('invalid_request', `malformed ${event} payload: ${issue.path.join('.') || 'body'}: ${issue.message}`);
}
