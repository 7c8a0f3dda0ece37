/** One server-sent event; `event` is `message` unless the server named it. */
export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

/**
 * Parses a `text/event-stream` body (WHATWG HTML §9.2.6) into events. Unlike a browser it also
 * dispatches an event that has a name but no `data:` line (`event: end`), since that is how a
 * stream may say it is over. An unterminated event at the end of the stream is dropped.
 */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    buffer = yield* parser.feed(buffer, false);
  }
  yield* parser.feed(buffer + decoder.decode(), true);
}

class SseParser {
  private data: string[] = [];
  private event = '';
  private id: string | null = null;

  /** Consumes the complete lines of `text`, yields the events they finish, returns what is left. */
  *feed(text: string, atEnd: boolean): Generator<SseEvent, string> {
    const lineEnd = /\r\n|\r|\n/g;
    let start = 0;
    for (let match = lineEnd.exec(text); match; match = lineEnd.exec(text)) {
      // A trailing CR may be the first half of a CRLF split across chunks.
      if (match[0] === '\r' && match.index === text.length - 1 && !atEnd) break;
      const event = this.line(text.slice(start, match.index));
      if (event) yield event;
      start = lineEnd.lastIndex;
    }
    return text.slice(start);
  }

  private line(line: string): SseEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    return null;
  }

  private dispatch(): SseEvent | null {
    const event = this.data.length || this.event ? { event: this.event || 'message', data: this.data.join('\n'), id: this.id } : null;
    this.data = [];
    this.event = '';
    return event;
  }
}
