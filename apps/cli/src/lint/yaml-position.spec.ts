import { describe, expect, it } from '@jest/globals';
import { fieldPosition } from './yaml-position.js';

const config = `# a comment
timeout: 10m
images:
  - name: api
    tset: [make test]
  - { name: web, context: web }
`;

describe('fieldPosition', () => {
  it('finds the key a field path names, through sequences and flow mappings', () => {
    expect(fieldPosition(config, 'timeout')).toEqual({ line: 2, col: 1 });
    expect(fieldPosition(config, 'images[0].tset')).toEqual({ line: 5, col: 5 });
    expect(fieldPosition(config, 'images[1].context')).toEqual({ line: 6, col: 18 });
    expect(fieldPosition(config, 'images[1]')).toEqual({ line: 6, col: 5 });
  });

  it('points at the deepest part there is for a field left out, and null when none is', () => {
    expect(fieldPosition(config, 'images[0].dockerfile')).toEqual({ line: 4, col: 5 });
    expect(fieldPosition(config, 'supersede')).toBeNull();
    expect(fieldPosition('', 'images')).toBeNull();
  });

  it('matches keys that contain dots (compose service names)', () => {
    const compose = 'services:\n  my.svc:\n    image: x\n    env_file: a.env\n  my:\n    image: y\n';
    expect(fieldPosition(compose, 'services.my.svc.env_file')).toEqual({ line: 4, col: 5 });
    expect(fieldPosition(compose, 'services.my.image')).toEqual({ line: 6, col: 5 });
  });
});
