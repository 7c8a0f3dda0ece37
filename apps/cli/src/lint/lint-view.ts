import { ConfigError, messageOf } from '@drydock/core';
import { printable, type Palette } from '../colours.js';
import { humanDuration, shortSha, table, type Cell } from '../format.js';
import { NOT_CHECKED, type LintPlan, type PlannedImage } from './lint-plan.js';
import type { Position } from './yaml-position.js';

/** The plan `drydock lint` prints on success: what a push of the ref would build, tag and test. */
export function lintPlanText(plan: LintPlan, palette: Palette): string {
  const source = plan.configFound ? '.drydock.yml is valid' : 'no .drydock.yml: the defaults apply';
  const commit = plan.sha ? ` at ${shortSha(plan.sha)}` : '';
  let text = `${palette.status('success')(source)}\n`;
  text += `A push of ${printable(plan.ref)}${commit} (${printable(plan.refFrom)}; default branch ${printable(plan.defaultBranch)}) would build:\n`;
  for (const image of plan.images) text += `\n${imageText(image, plan, palette)}`;
  const settings = [`timeout ${plan.timeoutSeconds === null ? 'DRYDOCK_BUILD_TIMEOUT' : humanDuration(plan.timeoutSeconds * 1000)}`, `supersede ${plan.supersede}`];
  text += `\nBuild: ${settings.join(', ')}\n`;
  text += `\nNot checked without a server and Docker:\n${NOT_CHECKED.map((n) => `  - ${n}\n`).join('')}`;
  return text;
}

function imageText(image: PlannedImage, plan: LintPlan, palette: Palette): string {
  const rows: Cell[][] = [
    ['image', image.repository],
    ['dockerfile', image.dockerfile],
    ['context', image.context],
  ];
  if (image.target) rows.push(['target', image.target]);
  const args = Object.entries(image.buildArgs).map(([k, v]) => `${k}=${v}`);
  if (args.length) rows.push(['build args', args.join(' ')]);
  rows.push(['tags', image.skip ? '-' : image.tags.join(', ')]);
  const tests = image.test.length ? image.test : plan.composeTestFile ? [`service sut of ${plan.composeTestFile}`] : ['none'];
  tests.forEach((t, i) => rows.push([i === 0 ? 'tests' : '', t]));
  if (image.branches) rows.push(['branches', image.branches.join(', ')]);
  if (image.paths) rows.push(['paths', `${image.paths.join(', ')} (built only when a push changes a matching file)`]);
  if (image.secrets.length) rows.push(['secrets', image.secrets.join(', ')]);
  if (image.skip) rows.push(['skipped', { text: image.skip, paint: palette.status('skipped') }]);
  return `${palette.bold(printable(image.name ?? '(the repository)'))}\n${table(rows, '  ')}`;
}

/** `.drydock.yml:4:5: images[0].tset: Unrecognized key: "tset"`: file, line and column (when known), field, problem. */
export function configErrorText(err: ConfigError, position: Position | null): string {
  const prefix = `${err.file}: ${err.field ? `${err.field}: ` : ''}`;
  const message = messageOf(err);
  const problem = message.startsWith(prefix) ? message.slice(prefix.length) : message;
  const where = position ? `${err.file}:${position.line}:${position.col}` : err.file;
  return printable(`${where}: ${err.field ? `${err.field}: ` : ''}${problem}`, true);
}
