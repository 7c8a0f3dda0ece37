import type { BuildStatus, StepStatus } from '@drydock/core';
import type { Terminal } from './terminal.js';

/** Wraps text in an ANSI style, or returns it as it is. */
export type Paint = (text: string) => string;

/** The styles human output uses; every one is the identity when the terminal takes no colour. */
export interface Palette {
  status(status: BuildStatus | StepStatus): Paint;
  bold: Paint;
  dim: Paint;
}

const sgr = (open: number, close: number): Paint => (text) => `\x1b[${open}m${text}\x1b[${close}m`;
const green = sgr(32, 39);
const red = sgr(31, 39);
const yellow = sgr(33, 39);
const magenta = sgr(35, 39);
const dim = sgr(2, 22);
const bold = sgr(1, 22);
const plain: Paint = (text) => text;

const STATUS_PAINT: Record<BuildStatus | StepStatus, Paint> = {
  success: green,
  failure: red,
  error: red,
  running: yellow,
  queued: dim,
  pending: dim,
  blocked: magenta,
  cancelled: dim,
  skipped: dim,
};

const COLOURED: Palette = { status: (s) => STATUS_PAINT[s] ?? plain, bold, dim };
const UNCOLOURED: Palette = { status: () => plain, bold: plain, dim: plain };

/** Colours on a terminal without NO_COLOR (see `terminalOf`), none otherwise. */
export const paletteOf = (out: Terminal): Palette => (out.colour ? COLOURED : UNCOLOURED);

/**
 * Text from the server or a repository (titles, names, refs, errors), safe to print: control
 * characters (escape sequences, carriage returns, bells) become `?`; `\n` stays when `multiline`.
 */
export function printable(text: string, multiline = false): string {
  return text.replace(multiline ? /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g : /[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\t' ? ' ' : '?'));
}
