import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startE2eWorld, waitForBuild, type E2eWorld, type RepoFiles } from '@drydock/testing';

// The dashboard in Debian's Chromium (scripts/services.sh install --with-browser) against a
// running stack with real builds. Screenshots land in docs/ for the README.
const TOKEN = 'browser-token-0123456789';
const SLOW: RepoFiles = {
  Dockerfile: 'FROM busybox:latest\n',
  '.drydock.yml': 'images:\n  - test: "for i in 1 2 3 4 5 6 7 8; do echo tick $i; sleep 1; done"\n',
};
const FAILS: RepoFiles = { Dockerfile: 'FROM busybox:latest\n', '.drydock.yml': 'images:\n  - test: "echo about to fail; exit 3"\n' };

let world: E2eWorld;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  world = await startE2eWorld({ env: { DRYDOCK_API_TOKEN: TOKEN, DRYDOCK_CONCURRENCY: '2' } });
  // The stack's DRYDOCK_PUBLIC_URL names the host drydock.test: here it resolves to the stack.
  const args = ['--headless', '--no-sandbox', '--host-resolver-rules=MAP drydock.test 127.0.0.1'];
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript((token) => localStorage.setItem('drydock.apiToken', token), TOKEN);
});

afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

const row = (id: number) => page.locator(`tr[data-build-id="${id}"]`);

describe('the dashboard', () => {
  it('shows a new build in the list without reload, streams its log and ends with its status', async () => {
    const repo = await world.repo(SLOW, 'web');
    await page.goto(`${world.drydock.url}/`);
    await page.getByRole('heading', { name: 'Builds' }).waitFor();
    const id = await world.push(repo);
    await row(id).waitFor({ timeout: 30_000 });
    expect(await row(id).textContent()).toContain(repo.fullName);

    await row(id).getByRole('link', { name: `#${id}` }).click();
    expect(new URL(page.url()).pathname).toBe(`/builds/${id}`);
    await page.getByTestId('log').getByText('tick 2', { exact: false }).first().waitFor({ timeout: 90_000 });
    expect(await page.locator('.build-head [data-status]').getAttribute('data-status')).toBe('running');
    await page.screenshot({ path: 'docs/dashboard-running.png' });
    await page.locator('.build-head [data-status="success"]').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId('log').textContent()).toContain('tick 8');
  });

  it('shows a failed build with its error, and rebuilds it from its page', async () => {
    const repo = await world.repo(FAILS, 'web');
    const id = await world.push(repo);
    await waitForBuild(world.drydock.url, id);
    await page.goto(`${world.drydock.url}/builds/${id}`);
    await page.locator('.build-head [data-status="failure"]').waitFor({ timeout: 30_000 });
    await page.getByRole('alert').filter({ hasText: 'Why it failed' }).waitFor();
    await page.getByTestId('log').getByText('about to fail').first().waitFor();
    await page.screenshot({ path: 'docs/dashboard-failed.png' });

    await page.getByRole('button', { name: 'Rebuild' }).click();
    await page.waitForURL((url) => /^\/builds\/\d+$/.test(url.pathname) && url.pathname !== `/builds/${id}`);
    const rebuilt = Number(new URL(page.url()).pathname.split('/').pop());
    const build = await waitForBuild(world.drydock.url, rebuilt);
    expect(build.rebuildOf).toBe(id);
    expect(build.sha).toBe(repo.sha);
  });

  it('keeps filters in the URL and filters the list', async () => {
    await page.goto(`${world.drydock.url}/`);
    await page.locator('tr[data-build-id]').nth(2).waitFor();
    await page.screenshot({ path: 'docs/dashboard-list.png' });
    await page.getByLabel('Status').selectOption('failure');
    await page.waitForURL((url) => url.searchParams.get('status') === 'failure');
    await page.locator('tbody tr').first().waitFor();
    const statuses = await page.locator('tbody tr [data-status]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set(['failure']));

    await page.reload();
    expect(await page.getByLabel('Status').inputValue()).toBe('failure');
  });

  it('opens the build page from the GitHub status link', async () => {
    const repo = await world.repo({ Dockerfile: 'FROM busybox:latest\n' }, 'web');
    const id = await world.push(repo);
    await waitForBuild(world.drydock.url, id);
    const status = await world.github.waitForStatus(repo.sha, 'success');
    await page.goto(status.target_url);
    await page.getByRole('heading', { name: new RegExp(`^#${id}\\b`) }).waitFor();
    expect(await page.locator('.build-head [data-status]').getAttribute('data-status')).toBe('success');
  });
});
