import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BuildList } from './build-list';
import { BuildPage } from './build-page';
import { QueuePage } from './queue-page';
import { RepoPage } from './repo-page';
import { Link, useLocation } from './router';
import './styles.css';

function App() {
  const { path, search } = useLocation();
  const build = /^\/builds\/(\d+)\/?$/.exec(path);
  const repo = /^\/repos\/([^/]+\/[^/]+)\/?$/.exec(path);
  let page;
  if (build) page = <BuildPage key={build[1]} id={Number(build[1])} />;
  else if (repo) page = <RepoPage key={repo[1]} repo={decodeURIComponent(repo[1])} />;
  else if (path === '/queue') page = <QueuePage />;
  else page = <BuildList search={search} />;
  return (
    <>
      <header className="top">
        <Link href="/" className="brand">⚓ Drydock</Link>
        <nav aria-label="Main">
          <Link href="/" aria-current={!build && !repo && path !== '/queue' ? 'page' : undefined}>Builds</Link>
          <Link href="/queue" aria-current={path === '/queue' ? 'page' : undefined}>Queue</Link>
        </nav>
      </header>
      <main>{page}</main>
    </>
  );
}

createRoot(document.getElementById('root')!).render(<StrictMode><App /></StrictMode>);
