import { describe, expect, it } from '@jest/globals';
import { parseBuildEvent } from './build-event-json.js';

describe('parseBuildEvent', () => {
  it.each([
    ['{"type":"build.changed","buildId":3,"status":"running"}', { type: 'build.changed', buildId: 3, status: 'running' }],
    ['{"type":"build.finished","buildId":3,"status":"cancelled"}', { type: 'build.finished', buildId: 3, status: 'cancelled' }],
    ['{"type":"build.cancel_requested","buildId":12,"extra":true}', { type: 'build.cancel_requested', buildId: 12 }],
  ])('reads %s', (text, event) => {
    expect(parseBuildEvent(text)).toEqual(event);
  });

  it.each([
    'not json',
    'null',
    '[]',
    '{"type":"build.finished","buildId":3}',
    '{"type":"build.finished","buildId":3,"status":"exploded"}',
    '{"type":"build.exploded","buildId":3}',
    '{"type":"build.cancel_requested","buildId":"3"}',
    '{"type":"build.cancel_requested","buildId":1.5}',
    '{"type":"build.cancel_requested","buildId":0}',
  ])('ignores %s', (text) => {
    expect(parseBuildEvent(text)).toBeUndefined();
  });
});
