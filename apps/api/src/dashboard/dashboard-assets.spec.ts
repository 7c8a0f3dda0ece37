import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dashboardAsset } from './dashboard-assets.js';

describe('dashboardAsset', () => {
  const root = mkdtempSync(join(tmpdir(), 'dashboard-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'assets', 'index-abc.js'), 'x');
  writeFileSync(join(root, 'index.html'), '<html>');

  it('finds built files', () => {
    expect(dashboardAsset('index.html', root)).toBe(join(root, 'index.html'));
    expect(dashboardAsset('assets/index-abc.js', root)).toBe(join(root, 'assets', 'index-abc.js'));
  });

  it('refuses names that leave the folder or do not exist', () => {
    expect(dashboardAsset('../etc/passwd', root)).toBeUndefined();
    expect(dashboardAsset('assets/../../x', root)).toBeUndefined();
    expect(dashboardAsset('/etc/passwd', root)).toBeUndefined();
    expect(dashboardAsset('assets', root)).toBeUndefined();
    expect(dashboardAsset('missing.js', root)).toBeUndefined();
  });
});
