/**
 * @module server/fast-http/connection
 * One client connection of the node:net front end: reads bytes, frames them
 * into requests (head, then a Content-Length or chunked body), hands each
 * whole request to the protocol function, and writes the responses back in
 * request order. Pipelined requests run one after another, each once the
 * previous one's answer is ready: a client that pipelines a write and then a
 * read sees its write, as it would if it waited (node:http would start them
 * all at once). Each response is one socket.write of head and body.
 *
 * Flow control: reading stops while MAX_PIPELINED responses are outstanding
 * or the socket's write buffer is full (a client that does not read), and
 * resumes when they drain. Anything malformed is answered with a status and
 * the connection is closed after the responses owed before it.
 */
import type * as net from 'node:net';
import { handleRequest, internalErrorResponse, MAX_REQUEST_BYTES, SERVER_HEADER, tooLargeResponse, type ProtocolContext, type ProtocolRequest, type ProtocolResponse } from '../dynamo-protocol.js';
import { ChunkedDecoder } from './chunked-decoder.js';
import { isHeadError, MAX_HEAD_BYTES, parseRequestHead, type RequestHead } from './request-head-parser.js';
import { CONTINUE, encodeResponse, type HttpDate } from './response-encoder.js';

/** Requests read ahead of their responses on one connection before reading pauses. */
export const MAX_PIPELINED = 16;

const EMPTY = Buffer.alloc(0);
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

export interface ConnectionConfig {
  readonly protocol: ProtocolContext;
  readonly date: HttpDate;
  /** A coarse clock (ms), advanced by the server's sweep timer. */
  readonly now: () => number;
  /** Idle time allowed between requests on a kept-alive connection. */
  readonly keepAliveTimeoutMs: number;
  /** Time allowed from a request's first byte to the end of its head. */
  readonly headersTimeoutMs: number;
  /** Time allowed from a request's first byte to the end of its body. */
  readonly requestTimeoutMs: number;
  readonly onClose: (connection: Connection) => void;
}

/** A response owed to the client, in request order; `bytes` is set when it is ready. */
interface Slot {
  bytes: Buffer | undefined;
  /** The connection closes after this response. */
  close: boolean;
  /** The request, until it is started. */
  request: ProtocolRequest | undefined;
  /** HEAD: the response carries no body. */
  omitBody: boolean;
}

const enum Phase {
  /** Waiting for (the rest of) a request head. */
  Head,
  /** Reading a Content-Length body. */
  Body,
  /** Reading a chunked body. */
  Chunked,
  /** No further requests are read: a closing response is queued, or the client is gone. */
  Discard,
}

export class Connection {
  private phase = Phase.Head;
  /** Received bytes not yet framed. */
  private pending: Buffer | undefined;
  /** How far `pending` was already searched for the end of the head. */
  private scanned = 0;
  private head: RequestHead | undefined;
  private bodyChunks: Buffer[] = [];
  private bodyRemaining = 0;
  private chunked: ChunkedDecoder | undefined;
  private readonly queue: Slot[] = [];
  private paused = false;
  /** A request of this connection is being answered. */
  private running = false;
  private readEnded = false;
  private ended = false;
  private closed = false;
  private shuttingDown = false;
  /** When the current request's first byte arrived (coarse ms); 0 between requests. */
  private requestStartedAt = 0;
  private lastActivity: number;
  private endedAt = 0;
  private stalledSince = 0;
  /** The client's address (aws:SourceIp), read once: socket.remoteAddress costs a few lookups each time. */
  private readonly remoteAddress: string | undefined;

  constructor(
    private readonly socket: net.Socket,
    private readonly config: ConnectionConfig,
  ) {
    this.lastActivity = config.now();
    this.remoteAddress = socket.remoteAddress;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('drain', () => this.maybeResume());
    // ECONNRESET, EPIPE and the like: 'close' follows, which is all that matters.
    socket.on('error', () => {});
    socket.on('close', () => this.onClose());
  }

  /** True while nothing is owed and no request is partly read: safe to drop. */
  get idle(): boolean {
    return this.queue.length === 0 && this.requestStartedAt === 0 && this.phase === Phase.Head && this.pending === undefined;
  }

  /** Server shutdown: finish the responses owed, read nothing more, then close. */
  shutdown(): void {
    this.shuttingDown = true;
    if (this.queue.length === 0) {
      this.socket.destroy();
      return;
    }
    this.stopReading();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Called by the server's sweep timer: enforces the timeouts. */
  sweep(now: number): void {
    if (this.closed) return;
    if (this.ended) {
      // Our side is closed; give the client a moment to read and close its own.
      if (now - this.endedAt > Math.min(5_000, this.config.keepAliveTimeoutMs)) this.socket.destroy();
      return;
    }
    if (this.socket.writableNeedDrain) {
      // The client stopped reading its responses.
      if (this.stalledSince === 0) this.stalledSince = now;
      else if (now - this.stalledSince > this.config.requestTimeoutMs) this.socket.destroy();
      return;
    }
    this.stalledSince = 0;
    if (this.requestStartedAt !== 0 && !this.paused) {
      const limit = this.phase === Phase.Head ? this.config.headersTimeoutMs : this.config.requestTimeoutMs;
      if (now - this.requestStartedAt > limit) this.refuse(408);
      return;
    }
    if (this.queue.length === 0 && now - this.lastActivity > this.config.keepAliveTimeoutMs) this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.lastActivity = this.config.now();
    if (this.phase === Phase.Discard) return;
    this.pending = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.frame();
  }

  /** Frames as many whole requests out of `pending` as flow control allows. */
  private frame(): void {
    while (!this.paused && this.pending !== undefined) {
      let pending: Buffer = this.pending;
      if (this.phase === Phase.Head) {
        if (this.requestStartedAt === 0) {
          // Empty lines before a request line are ignored (RFC 9112 §2.2).
          let start = 0;
          while (start < pending.length && (pending[start] === 0x0d || pending[start] === 0x0a)) start++;
          if (start === pending.length) {
            this.pending = undefined;
            break;
          }
          if (start > 0) this.pending = pending = pending.subarray(start);
          this.requestStartedAt = this.config.now();
        }
        const end = pending.indexOf(HEAD_END, this.scanned > 3 ? this.scanned - 3 : 0);
        // An oversized request line or header block: DynamoDB's front end
        // answers 400 (not 431) for either, as node:http's does here.
        if (end === -1) {
          if (pending.length > MAX_HEAD_BYTES) this.refuse(400);
          else this.scanned = pending.length;
          break;
        }
        this.scanned = 0;
        if (end > MAX_HEAD_BYTES) {
          this.refuse(400);
          break;
        }
        const parsed = parseRequestHead(pending.toString('latin1', 0, end), MAX_REQUEST_BYTES);
        this.pending = end + 4 === pending.length ? undefined : pending.subarray(end + 4);
        if (parsed === 'too-large') {
          this.refuseWith(tooLargeResponse());
          break;
        }
        if (isHeadError(parsed)) {
          this.refuse(parsed.status);
          break;
        }
        if (parsed.unknownExpectation) {
          this.refuse(417);
          break;
        }
        this.head = parsed;
        if (parsed.body.kind === 'chunked') {
          this.chunked = new ChunkedDecoder(MAX_REQUEST_BYTES);
          this.phase = Phase.Chunked;
        } else if (parsed.body.length === 0) {
          this.complete(EMPTY);
          continue;
        } else {
          this.bodyRemaining = parsed.body.length;
          this.bodyChunks = [];
          this.phase = Phase.Body;
        }
        // The client waits for this before sending the body; once it has sent
        // some, it has given up waiting and the interim answer is moot.
        if (parsed.expectContinue && this.pending === undefined) this.enqueueReady(CONTINUE, false);
      } else if (this.phase === Phase.Body) {
        const take = Math.min(this.bodyRemaining, pending.length);
        if (take === pending.length) {
          this.bodyChunks.push(pending);
          this.pending = undefined;
        } else {
          this.bodyChunks.push(pending.subarray(0, take));
          this.pending = pending.subarray(take);
        }
        this.bodyRemaining -= take;
        if (this.bodyRemaining === 0) {
          const chunks = this.bodyChunks;
          this.bodyChunks = [];
          this.complete(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
        }
      } else if (this.phase === Phase.Chunked) {
        const decoder = this.chunked!;
        const result = decoder.feed(pending, 0);
        if ('error' in result) {
          if (result.error === 'too-large') this.refuseWith(tooLargeResponse());
          else this.refuse(400);
          break;
        }
        this.pending = result.consumed === pending.length ? undefined : pending.subarray(result.consumed);
        if (result.done) {
          this.chunked = undefined;
          this.complete(decoder.body());
        }
      } else {
        this.pending = undefined;
      }
    }
    if (this.readEnded) this.maybeEnd();
  }

  /** A whole request has arrived: dispatch it and reserve its place in the response order. */
  private complete(body: Buffer): void {
    const head = this.head!;
    this.head = undefined;
    this.phase = Phase.Head;
    this.requestStartedAt = 0;
    const slot: Slot = {
      bytes: undefined,
      close: !head.keepAlive,
      request: { method: head.method, url: head.url, headers: head.headers, body, remoteAddress: this.remoteAddress },
      omitBody: head.method === 'HEAD',
    };
    this.queue.push(slot);
    if (slot.close) this.stopReading();
    else if (this.queue.length >= MAX_PIPELINED) this.pause();
    if (!this.running) this.runNext();
  }

  /** Starts the earliest request not yet started, if any. */
  private runNext(): void {
    const slot = this.queue.find((s) => s.request !== undefined);
    if (slot === undefined || this.closed) return;
    const request = slot.request!;
    slot.request = undefined;
    this.running = true;
    const done = (response: ProtocolResponse) => {
      this.running = false;
      this.fill(slot, response);
      this.runNext();
    };
    handleRequest(request, this.config.protocol).then(
      done,
      // handleRequest never rejects; should it, the client still gets an answer in order.
      () => done(internalErrorResponse()),
    );
  }

  private fill(slot: Slot, response: ProtocolResponse): void {
    if (this.closed) return;
    if (response.drop === true) {
      this.socket.destroy();
      return;
    }
    // Shutting down: the last response owed announces the close.
    if (this.shuttingDown && this.queue[this.queue.length - 1] === slot) slot.close = true;
    slot.bytes = encodeResponse(response.status, response.headers, response.body, {
      keepAlive: !slot.close,
      keepAliveSeconds: Math.floor(this.config.keepAliveTimeoutMs / 1000),
      omitBody: slot.omitBody,
      date: this.config.date.now(),
    });
    this.flush();
  }

  /** Writes every response that is ready and not behind an unfinished one. */
  private flush(): void {
    const queue = this.queue;
    // Several ready at once (pipelining): let them leave in one writev.
    const corked = queue.length > 1 && queue[1]!.bytes !== undefined;
    if (corked) this.socket.cork();
    while (queue.length > 0 && queue[0]!.bytes !== undefined) {
      const slot = queue.shift()!;
      this.socket.write(slot.bytes!);
      if (slot.close) {
        queue.length = 0;
        this.end();
        break;
      }
    }
    if (corked) this.socket.uncork();
    this.lastActivity = this.config.now();
    if (this.queue.length === 0 && (this.readEnded || this.shuttingDown)) this.maybeEnd();
    if (this.socket.writableNeedDrain) this.pause();
    else this.maybeResume();
  }

  /** Queues an answer that is ready now (interim 100, or an error status). */
  private enqueueReady(bytes: Buffer, close: boolean): void {
    this.queue.push({ bytes, close, request: undefined, omitBody: false });
    this.flush();
  }

  /** Answers with a bare status and closes once the earlier responses are out. */
  private refuse(status: number): void {
    this.refuseWith({ status, headers: [...SERVER_HEADER, 'Content-Length', '0'], body: EMPTY });
  }

  private refuseWith(response: ProtocolResponse): void {
    this.stopReading();
    const bytes = encodeResponse(response.status, response.headers, response.body, {
      keepAlive: false,
      keepAliveSeconds: 0,
      omitBody: false,
      date: this.config.date.now(),
    });
    this.enqueueReady(bytes, true);
  }

  /** No further requests: whatever else arrives is read and dropped. */
  private stopReading(): void {
    this.phase = Phase.Discard;
    this.pending = undefined;
    this.head = undefined;
    this.bodyChunks = [];
    this.chunked = undefined;
    this.requestStartedAt = 0;
    // Keep reading (and dropping), so the client can finish sending and then
    // read our answer instead of meeting a reset.
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private pause(): void {
    if (this.paused || this.phase === Phase.Discard) return;
    this.paused = true;
    this.socket.pause();
  }

  private maybeResume(): void {
    if (!this.paused || this.closed || this.queue.length >= MAX_PIPELINED || this.socket.writableNeedDrain) return;
    this.paused = false;
    this.socket.resume();
    this.frame();
  }

  /** The client finished sending (half-close): answer what it sent, then close. */
  private onEnd(): void {
    this.readEnded = true;
    if (this.phase !== Phase.Head || this.requestStartedAt !== 0) {
      // It closed in the middle of a request: nothing to answer for that one.
      if (!this.paused) this.stopReading();
    }
    this.frame();
  }

  /** Closes our side once nothing more is owed and nothing more can arrive. */
  private maybeEnd(): void {
    if (this.queue.length > 0 || this.paused) return;
    if (this.readEnded || this.shuttingDown || this.phase === Phase.Discard) this.end();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.endedAt = this.config.now();
    this.stopReading();
    this.socket.end();
  }

  private onClose(): void {
    this.closed = true;
    this.queue.length = 0;
    this.pending = undefined;
    this.bodyChunks = [];
    this.config.onClose(this);
  }
}
