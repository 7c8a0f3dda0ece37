import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { DRYDOCK_SCHEMA_FILE, drydockJsonSchema, drydockJsonSchemaText } from './config-schema.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

describe('the published JSON Schema of .drydock.yml', () => {
  it('is what `npm run schema` generates from the zod schema now', () => {
    expect(readFileSync(path.join(repoRoot, DRYDOCK_SCHEMA_FILE), 'utf8')).toBe(drydockJsonSchemaText());
  });

  it('describes every field the config takes, and no other', () => {
    const schema = drydockJsonSchema() as { properties: Record<string, { items?: { properties: Record<string, unknown>; additionalProperties: boolean } }>; additionalProperties: boolean };
    expect(Object.keys(schema.properties)).toEqual(['timeout', 'supersede', 'images']);
    expect(schema.additionalProperties).toBe(false);
    const image = schema.properties.images.items;
    expect(Object.keys(image?.properties ?? {})).toEqual(['name', 'context', 'dockerfile', 'target', 'build_args', 'test', 'branches', 'paths', 'secrets']);
    expect(image?.additionalProperties).toBe(false);
  });
});
