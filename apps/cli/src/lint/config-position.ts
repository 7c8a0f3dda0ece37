import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { ConfigError } from '@drydock/core';
import { readConfigFile } from '@drydock/pipeline';
import { fieldPosition, type Position } from './yaml-position.js';

/** Where the field a ConfigError names is written in its file (read as the worker reads it: a regular file inside `dir`); null when unknown. */
export async function positionOf(dir: string, err: ConfigError): Promise<Position | null> {
  if (!err.field) return null;
  try {
    const root = await realpath(dir);
    const relative = path.relative(root, path.resolve(root, err.file));
    if (relative.startsWith('..') || path.isAbsolute(relative)) return null;
    const text = await readConfigFile(root, relative);
    return text === null ? null : fieldPosition(text, err.field);
  } catch {
    return null;
  }
}
