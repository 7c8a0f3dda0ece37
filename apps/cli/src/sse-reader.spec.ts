import { describe, expect, it } from '@jest/globals';
import { readSse, type SseEvent } from './sse-reader.js';

/** Feeds `chunks` as separate network reads. */
async function parse(...chunks: string[]): Promise<SseEvent[]> {
  async function* body(): AsyncGenerator<Uint8Array> {
    for (const chunk of chunks) yield new TextEncoder().encode(chunk);
  }
  const events: SseEvent[] = [];
  for await (const event of readSse(body())) events.push(event);
  return events;
}

const message = (data: string, id: string | null = null): SseEvent => ({ event: 'message', data, id });

describe('readSse', () => {
  it('yields one message per data block, named events, and ids', async () => {
    const events = await parse('id: 1\ndata: first line\n\n', 'data: second\n\nevent: end\ndata: success\n\n');
    expect(events).toEqual([message('first line', '1'), message('second', '1'), { event: 'end', data: 'success', id: '1' }]);
  });

  it('joins several data lines with newlines and keeps empty lines and leading spaces beyond the first', async () => {
    expect(await parse('data: a\ndata:\ndata:  b\n\n')).toEqual([message('a\n\n b')]);
    expect(await parse('data:\n\n')).toEqual([message('')]);
  });

  it('handles LF, CRLF and CR line ends, also when a CRLF or a character is split across reads', async () => {
    const euro = new TextEncoder().encode('data: €\n\n');
    async function* split(): AsyncGenerator<Uint8Array> {
      yield euro.slice(0, 7);
      yield euro.slice(7);
    }
    const fromBytes: SseEvent[] = [];
    for await (const event of readSse(split())) fromBytes.push(event);
    expect(fromBytes).toEqual([message('€')]);
    expect(await parse('data: a\r', '\n\r', '\ndata: b\r\rda', 'ta: c\n', '\n')).toEqual([message('a'), message('b'), message('c')]);
  });

  it('ignores comments and unknown fields, and dispatches a named event without data', async () => {
    expect(await parse(': keep-alive\n\nretry: 100\nfoo: bar\n\nevent: end\n\n')).toEqual([{ event: 'end', data: '', id: null }]);
  });

  it('drops an event the stream cut off before its blank line', async () => {
    expect(await parse('data: complete\n\ndata: cut off\n')).toEqual([message('complete')]);
  });
});
