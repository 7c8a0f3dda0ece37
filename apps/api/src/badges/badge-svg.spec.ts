import { badgeState, badgeSvg, escapeXml } from './badge-svg.js';

describe('badge SVG', () => {
  it('maps build statuses to passing, failing, running and unknown', () => {
    expect(badgeState('success')).toBe('passing');
    expect(badgeState('failure')).toBe('failing');
    expect(badgeState('error')).toBe('failing');
    expect(badgeState('running')).toBe('running');
    expect(badgeState('queued')).toBe('running');
    expect(badgeState('cancelled')).toBe('unknown');
    expect(badgeState(undefined)).toBe('unknown');
  });

  it('is an SVG that says the state', () => {
    const svg = badgeSvg('passing');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('>passing</text>');
    expect(svg).toContain('#2ea44f');
  });

  it('escapes a hostile label', () => {
    const svg = badgeSvg('unknown', '"><script>alert(1)</script>');
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&#60;script&#62;');
    expect(escapeXml(`a&b'"`)).toBe('a&#38;b&#39;&#34;');
  });
});
