/**
 * @module server/fast-http/chunked-decoder
 * Incremental decoder of the chunked transfer coding (RFC 9112 §7.1): feed it
 * bytes as they arrive, in pieces of any size; it collects the data and says
 * how many bytes it consumed, so bytes past the body's end (a pipelined next
 * request) stay with the caller. Chunk extensions are skipped and trailer
 * fields discarded, as node:http does for a server that never reads them.
 */

/** A chunk-size line (with extensions) or trailer line longer than this is refused. */
const MAX_LINE = 4096;
/** All trailer fields together may not exceed this. */
const MAX_TRAILERS = 16 * 1024;

const enum State {
  Size,
  Data,
  DataEnd,
  Trailers,
  Done,
}

export type ChunkedResult = { readonly consumed: number; readonly done: boolean } | { readonly error: 'malformed' | 'too-large' };

export class ChunkedDecoder {
  private state = State.Size;
  /** Bytes of an unfinished line (size line or trailer), across feeds. */
  private line = '';
  private remaining = 0;
  private trailerBytes = 0;
  private readonly chunks: Buffer[] = [];
  private total = 0;

  constructor(private readonly maxBody: number) {}

  /** The decoded body so far (all of it once `done`). */
  body(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.total);
  }

  feed(buf: Buffer, start: number): ChunkedResult {
    let i = start;
    const end = buf.length;
    while (i < end) {
      switch (this.state) {
        case State.Size:
        case State.Trailers: {
          const nl = buf.indexOf(0x0a, i);
          const stop = nl === -1 ? end : nl + 1;
          this.line += buf.toString('latin1', i, stop);
          i = stop;
          if (this.line.length > MAX_LINE) return { error: 'malformed' };
          if (nl === -1) continue;
          if (!this.line.endsWith('\r\n')) return { error: 'malformed' };
          const line = this.line.slice(0, -2);
          this.line = '';
          if (this.state === State.Trailers) {
            if (line === '') {
              this.state = State.Done;
              return { consumed: i - start, done: true };
            }
            this.trailerBytes += line.length;
            if (this.trailerBytes > MAX_TRAILERS || line.indexOf(':') <= 0) return { error: 'malformed' };
            continue;
          }
          const semi = line.indexOf(';');
          const sizeText = (semi === -1 ? line : line.slice(0, semi)).trimEnd();
          if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) return { error: 'malformed' };
          const size = parseInt(sizeText, 16);
          if (this.total + size > this.maxBody) return { error: 'too-large' };
          if (size === 0) {
            this.state = State.Trailers;
          } else {
            this.remaining = size;
            this.state = State.Data;
          }
          break;
        }
        case State.Data: {
          const take = Math.min(this.remaining, end - i);
          this.chunks.push(buf.subarray(i, i + take));
          this.total += take;
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = State.DataEnd;
          break;
        }
        case State.DataEnd: {
          // The CRLF after a chunk's data; it may arrive split across feeds.
          this.line += buf[i] === 0x0d ? '\r' : buf[i] === 0x0a ? '\n' : '?';
          i++;
          if (this.line === '\r') continue;
          if (this.line !== '\r\n') return { error: 'malformed' };
          this.line = '';
          this.state = State.Size;
          break;
        }
        case State.Done:
          return { consumed: i - start, done: true };
      }
    }
    return { consumed: i - start, done: false };
  }
}
