import type { GitHubAppAuth } from './github-app.js';
import { CALL_TIMEOUT_MS, createOctokit, refusalOf, type DrydockOctokit, type OctokitOptions } from './octokit-github-client.js';

/** One attempt to deliver a webhook, as GitHub lists it (`GET /app/hook/deliveries`). */
export interface HookDelivery {
  id: number;
  /** The `X-GitHub-Delivery` of the event: the same for every attempt of it. */
  guid: string;
  deliveredAt: string;
  /** This attempt was asked for (a redelivery), not GitHub's own. */
  redelivery: boolean;
  /** Drydock's HTTP answer; 0 when none came (a timeout, a refused connection). */
  statusCode: number;
  event: string;
}

/**
 * The App's webhook deliveries, with the App's JWT.
 * - `newerThan(afterId, notBefore)`: the attempts with an id above `afterId` (when given) and
 *   delivered at or after `notBefore`, newest first, at most `maxPages` pages of 100.
 * - `redeliver(id)`: asks GitHub to send that attempt's event again (`POST …/{id}/attempts`).
 * Both reject with a `GitHubRefusal`.
 */
export interface HookDeliveries {
  newerThan(afterId: number | undefined, notBefore: string): Promise<HookDelivery[]>;
  redeliver(id: number): Promise<void>;
}

export const HOOK_DELIVERIES = Symbol('HookDeliveries');

const PAGE_SIZE = 100;
const MAX_PAGES = 10;

/** HookDeliveries on octokit (`apps.listWebhookDeliveries`, `apps.redeliverWebhookDelivery`). */
export class OctokitHookDeliveries implements HookDeliveries {
  private readonly octokit: DrydockOctokit;

  constructor(
    apiUrl: string,
    private readonly app: GitHubAppAuth,
    options: OctokitOptions = {},
  ) {
    this.octokit = createOctokit(apiUrl, undefined, options);
  }

  async newerThan(afterId: number | undefined, notBefore: string): Promise<HookDelivery[]> {
    const found: HookDelivery[] = [];
    const headers = { authorization: `Bearer ${await this.app.appJwt()}` };
    try {
      const pages = this.octokit.paginate.iterator(this.octokit.rest.apps.listWebhookDeliveries, { per_page: PAGE_SIZE, headers });
      let page = 0;
      for await (const { data } of pages) {
        for (const d of data) {
          if ((afterId !== undefined && d.id <= afterId) || d.delivered_at < notBefore) return found;
          found.push({ id: d.id, guid: d.guid, deliveredAt: d.delivered_at, redelivery: d.redelivery, statusCode: d.status_code, event: d.event });
        }
        if (++page >= MAX_PAGES) break;
      }
      return found;
    } catch (err) {
      throw refusalOf(err);
    }
  }

  async redeliver(id: number): Promise<void> {
    try {
      await this.octokit.rest.apps.redeliverWebhookDelivery({
        delivery_id: id,
        headers: { authorization: `Bearer ${await this.app.appJwt()}` },
        request: { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) },
      });
    } catch (err) {
      throw refusalOf(err);
    }
  }
}

/** What one pass did: the attempts it asked GitHub to redeliver, and the newest id it saw (the next pass starts after it). */
export interface RedeliveryPass {
  asked: HookDelivery[];
  lastSeenId: number | undefined;
  /** Attempts GitHub refused to redeliver, with why. */
  refused: Array<{ delivery: HookDelivery; error: string }>;
}

const succeeded = (d: HookDelivery): boolean => d.statusCode >= 200 && d.statusCode < 300;

/**
 * Asks GitHub to redeliver each event whose delivery failed, once: among the attempts since the
 * last pass (`lastSeenId`; the first pass looks back to `notBefore`), an event none of whose
 * attempts succeeded and none was a redelivery already gets its newest attempt redelivered. A
 * redelivery that fails too is not asked for again. Drydock starts nothing twice for one event
 * however often it comes (the webhook's delivery dedupe). A refusal of one redelivery is
 * answered in `refused`; a failed listing rejects (the pass is tried again, from the same point).
 */
export async function redeliverFailed(deliveries: HookDeliveries, lastSeenId: number | undefined, notBefore: string): Promise<RedeliveryPass> {
  const seen = await deliveries.newerThan(lastSeenId, notBefore);
  const byGuid = new Map<string, HookDelivery[]>();
  for (const d of seen) byGuid.set(d.guid, [...(byGuid.get(d.guid) ?? []), d]);
  const pass: RedeliveryPass = { asked: [], refused: [], lastSeenId: Math.max(lastSeenId ?? 0, ...seen.map((d) => d.id)) || lastSeenId };
  for (const attempts of byGuid.values()) {
    if (attempts.some((d) => succeeded(d) || d.redelivery)) continue;
    const newest = attempts.reduce((a, b) => (b.id > a.id ? b : a));
    try {
      await deliveries.redeliver(newest.id);
      pass.asked.push(newest);
    } catch (err) {
      pass.refused.push({ delivery: newest, error: (err as Error).message });
    }
  }
  return pass;
}
