import { useCallback, useEffect, useState } from 'react';
import { ApiError, getJson, type BuildPage, type RepoSummary } from './api';
import { ImageCard } from './build-page';
import { Empty, ErrorState, Loading, StatusPill } from './components';
import { setFavicon } from './favicon';
import { age, formatDuration, refLabel, shortSha } from './format';
import { useBuildEvents } from './live';
import { Link } from './router';

/** A repository: success rate, median duration, last image per branch, recent builds, the badge. */
export function RepoPage({ repo }: { repo: string }) {
  const [summary, setSummary] = useState<RepoSummary | null | undefined>(undefined);
  const [builds, setBuilds] = useState<BuildPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    try {
      setBuilds(await getJson<BuildPage>(`/api/builds?repo=${encodeURIComponent(repo)}&limit=20`));
      setError(null);
    } catch (e) { setError(e); }
    try { setSummary(await getJson<RepoSummary>(`/api/repos/${repo}/summary`)); }
    catch (e) { setSummary(e instanceof ApiError && e.status === 404 ? null : null); }
  }, [repo]);
  useEffect(() => { void load(); }, [load]);
  useEffect(() => { setFavicon(builds?.items[0]?.status ?? null); }, [builds]);
  useBuildEvents(() => { void load(); });

  const badge = `${location.origin}/badge/${repo}.svg`;
  return (
    <>
      <h1>{repo}</h1>
      {summary && (
        <div className="stats">
          <div className="stat"><span className="stat-value">{summary.builds}</span> builds</div>
          <div className="stat"><span className="stat-value">{summary.successRate === null ? '–' : `${Math.round(summary.successRate * 100)}%`}</span> success</div>
          <div className="stat"><span className="stat-value">{formatDuration(summary.medianDurationMs)}</span> median</div>
        </div>
      )}
      <section>
        <h2>Badge</h2>
        <code className="copy-block">{`[![build](${badge})](${location.origin}/repos/${repo})`}</code>
      </section>
      {summary && summary.latestImages.length > 0 && (
        <section><h2>Latest image per branch</h2>
          {summary.latestImages.map((l) => (
            <div key={l.branch} className="branch-images">
              <div><strong>{l.branch}</strong> · <Link href={`/builds/${l.buildId}`}>#{l.buildId}</Link></div>
              {l.images.map((img) => <ImageCard key={img.name} image={img} />)}
            </div>
          ))}
        </section>
      )}
      <section>
        <h2>Recent builds <Link className="small" href={`/?repo=${encodeURIComponent(repo)}`}>all</Link></h2>
        {error !== null && <ErrorState error={error} retry={() => void load()} />}
        {!builds && error === null && <Loading />}
        {builds && builds.items.length === 0 && <Empty>No builds of {repo} yet.</Empty>}
        {builds && builds.items.length > 0 && (
          <ul className="compact">{builds.items.map((b) => (
            <li key={b.id}><StatusPill status={b.status} /> <Link href={`/builds/${b.id}`}>#{b.id}</Link> {refLabel(b)} <code className="sha">{shortSha(b.sha)}</code> <span className="title">{b.title ?? ''}</span> <span className="muted">{age(b.createdAt)}</span></li>
          ))}</ul>
        )}
      </section>
    </>
  );
}
