import { describe, expect, it } from '@jest/globals';
import { eventStreamData } from './events-stream.controller.js';
import { StreamSlots } from './stream-slots.js';

describe('the events stream', () => {
  it('sends created, changed and finished as JSON data lines, and no cancel requests', () => {
    expect(eventStreamData({ type: 'build.created', buildId: 3, status: 'queued' })).toBe('data: {"type":"build.created","buildId":3,"status":"queued"}\n\n');
    expect(eventStreamData({ type: 'build.finished', buildId: 3, status: 'success' })).toBe('data: {"type":"build.finished","buildId":3,"status":"success"}\n\n');
    expect(eventStreamData({ type: 'build.cancel_requested', buildId: 3 })).toBeNull();
  });

  it('bounds the streams, and a release frees one slot once', () => {
    const slots = new StreamSlots(2);
    const first = slots.reserve();
    expect(slots.reserve()).not.toBeNull();
    expect(slots.reserve()).toBeNull();
    first!();
    first!();
    expect(slots.reserve()).not.toBeNull();
    expect(slots.reserve()).toBeNull();
  });
});
