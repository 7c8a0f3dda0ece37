import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { getJson, type Build, type BuildPage } from './api';
import { AuthorChip, Empty, ErrorState, Loading, StatusPill, triggerLabel } from './components';
import { age, durationMs, formatDuration, refLabel, shortSha } from './format';
import { setFavicon } from './favicon';
import { useBuildEvents } from './live';
import { Link, navigate } from './router';

const FILTERS = ['repo', 'branch', 'status', 'event'] as const;
const STATUSES = ['', 'blocked', 'queued', 'running', 'success', 'failure', 'error', 'cancelled'];
const EVENTS = ['', 'push', 'tag', 'pull_request', 'manual', 'rebuild'];

/** The build list: filters in the URL query, newest first, "older" pages, live without reload. */
export function BuildList({ search }: { search: URLSearchParams }) {
  const query = new URLSearchParams();
  for (const f of FILTERS) { const v = search.get(f); if (v) query.set(f, v); }
  const queryKey = query.toString();
  const [items, setItems] = useState<Build[] | null>(null);
  const [next, setNext] = useState<string | number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [pages, setPages] = useState(1);

  const load = useCallback(async () => {
    try {
      // Reload every page already shown, so live updates keep the older ones too.
      let cursor: string | number | null = null;
      const all: Build[] = [];
      for (let i = 0; i < pages; i++) {
        const q = new URLSearchParams(queryKey);
        q.set('limit', '25');
        if (cursor !== null) q.set('cursor', String(cursor));
        const page: BuildPage = await getJson<BuildPage>(`/api/builds?${q}`);
        all.push(...page.items);
        cursor = page.nextCursor;
        if (cursor === null || cursor === undefined) break;
      }
      setItems(all); setNext(cursor ?? null); setError(null);
    } catch (e) { setError(e); }
  }, [queryKey, pages]);

  useEffect(() => { void load(); }, [load]);
  useEffect(() => { setPages(1); setItems(null); }, [queryKey]);
  useEffect(() => { setFavicon(items?.[0]?.status ?? null); }, [items]);
  useBuildEvents(() => { void load(); });

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const q = new URLSearchParams();
    for (const f of FILTERS) { const v = String(data.get(f) ?? '').trim(); if (v) q.set(f, v); }
    navigate(q.size ? `/?${q}` : '/');
  };

  return (
    <>
      <h1>Builds</h1>
      <form className="filters" onSubmit={submit} key={queryKey} aria-label="Filters">
        <label>Repository<input name="repo" defaultValue={search.get('repo') ?? ''} placeholder="owner/name" /></label>
        <label>Branch<input name="branch" defaultValue={search.get('branch') ?? ''} placeholder="main" /></label>
        <label>Status
          <select name="status" defaultValue={search.get('status') ?? ''} onChange={(e) => e.currentTarget.form?.requestSubmit()}>
            {STATUSES.map((s) => <option key={s} value={s}>{s || 'any'}</option>)}
          </select>
        </label>
        <label>Event
          <select name="event" defaultValue={search.get('event') ?? ''} onChange={(e) => e.currentTarget.form?.requestSubmit()}>
            {EVENTS.map((s) => <option key={s} value={s}>{s || 'any'}</option>)}
          </select>
        </label>
        <button className="btn" type="submit">Filter</button>
        {queryKey && <Link className="btn btn-quiet" href="/">Clear</Link>}
      </form>
      {error !== null && <ErrorState error={error} retry={() => void load()} />}
      {items === null && error === null && <Loading />}
      {items !== null && items.length === 0 && <Empty>No builds{queryKey ? ' match these filters' : ' yet: push to a repository with the webhook set up'}.</Empty>}
      {items !== null && items.length > 0 && (
        <div className="table-wrap"><table className="builds">
          <thead>
            <tr><th>Status</th><th>Build</th><th>Commit</th><th className="hide-sm">Author</th><th className="hide-sm">Trigger</th><th>Duration</th><th className="hide-sm">Age</th></tr>
          </thead>
          <tbody>{items.map((b) => <BuildRow key={b.id} build={b} />)}</tbody>
        </table></div>
      )}
      {next !== null && items !== null && (
        <button className="btn older" onClick={() => setPages((p) => p + 1)}>Older builds</button>
      )}
    </>
  );
}

function BuildRow({ build: b }: { build: Build }) {
  return (
    <tr data-build-id={b.id}>
      <td><StatusPill status={b.status} /></td>
      <td>
        <Link href={`/builds/${b.id}`} className="build-link">#{b.id}</Link>{' '}
        <Link href={`/repos/${b.repo}`} className="repo">{b.repo}</Link>
        <div className="ref">{refLabel(b)}</div>
      </td>
      <td className="commit">
        <div className="title">{b.title ?? <span className="muted">–</span>}</div>
        <code className="sha">{shortSha(b.sha)}</code>
      </td>
      <td className="hide-sm"><AuthorChip author={b.author} /></td>
      <td className="hide-sm">{triggerLabel(b)}</td>
      <td className="num">{formatDuration(durationMs(b.startedAt, b.finishedAt))}</td>
      <td className="hide-sm num" title={b.createdAt}>{age(b.createdAt)}</td>
    </tr>
  );
}
