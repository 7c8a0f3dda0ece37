import type { BuildStatus } from '@drydock/core';

/** What a README badge says about a branch's latest build. */
export type BadgeState = 'passing' | 'failing' | 'running' | 'unknown';

const COLOURS: Record<BadgeState, string> = {
  passing: '#2ea44f',
  failing: '#cb2431',
  running: '#dbab09',
  unknown: '#9f9f9f',
};

/** The badge state of a build status (undefined: no build at all). */
export function badgeState(status: BuildStatus | undefined): BadgeState {
  switch (status) {
    case 'success':
      return 'passing';
    case 'failure':
    case 'error':
      return 'failing';
    case 'queued':
    case 'running':
    case 'blocked':
      return 'running';
    default:
      return 'unknown';
  }
}

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Rough width of Verdana 11px text: good enough for a flat badge.
const textWidth = (text: string): number => Math.round(text.length * 6.5) + 10;

/** A flat two-part SVG badge, "drydock | <state>"; `label` is escaped. */
export function badgeSvg(state: BadgeState, label = 'drydock'): string {
  const left = textWidth(label);
  const right = textWidth(state);
  const width = left + right;
  const safeLabel = escapeXml(label);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${safeLabel}: ${state}">`,
    `<title>${safeLabel}: ${state}</title>`,
    `<rect width="${left}" height="20" fill="#555"/>`,
    `<rect x="${left}" width="${right}" height="20" fill="${COLOURS[state]}"/>`,
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">`,
    `<text x="${left / 2}" y="14">${safeLabel}</text>`,
    `<text x="${left + right / 2}" y="14">${state}</text>`,
    `</g></svg>`,
  ].join('');
}
