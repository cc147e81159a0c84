/**
 * @module The load generator: a lean keep-alive HTTP/1.1 client over raw
 * sockets, one request in flight per connection, writing pre-built request
 * bytes and parsing only the status line, Content-Length (or chunked
 * framing) and Connection of each answer.
 *
 * Why not node:http: its client costs ~45 µs of CPU per request and tops
 * out near 25k req/s on this machine, below what a lean server reaches —
 * the generator would be the bottleneck. This one costs a few µs per
 * request; its own CPU use is measured and reported with every result so a
 * reader can see whether it was.
 *
 * Every run is bounded by time and by request count, and a hard timeout
 * destroys the sockets of a server that stops answering.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

// Latency histogram: 1 µs buckets up to 10 ms, then 100 µs buckets up to 10 s.
const FINE = 10_000;
const COARSE_STEP = 100;
const BUCKETS = FINE + (10_000_000 - FINE) / COARSE_STEP + 1;

class Histogram {
  constructor() {
    this.counts = new Uint32Array(BUCKETS);
    this.n = 0;
    this.sum = 0;
    this.max = 0;
  }
  record(us) {
    const v = us < 0 ? 0 : us;
    const b = v < FINE ? Math.floor(v) : Math.min(BUCKETS - 1, FINE + Math.floor((v - FINE) / COARSE_STEP));
    this.counts[b]++;
    this.n++;
    this.sum += v;
    if (v > this.max) this.max = v;
  }
  /** Value (µs) at quantile q, from the bucket's upper bound. */
  quantile(q) {
    if (this.n === 0) return NaN;
    const target = Math.ceil(q * this.n);
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.counts[b];
      if (seen >= target) return b < FINE ? b + 1 : FINE + (b - FINE + 1) * COARSE_STEP;
    }
    return this.max;
  }
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Parses the head of a response; returns null if `buf` does not yet hold all of it. */
function parseHead(buf) {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) return null;
  const head = buf.latin1Slice(0, end).toLowerCase();
  const status = Number(head.slice(9, 12));
  let contentLength = -1;
  const cl = head.indexOf('\ncontent-length:');
  if (cl >= 0) contentLength = parseInt(head.slice(cl + 16, head.indexOf('\r', cl + 16) >>> 0), 10);
  const chunked = /\ntransfer-encoding:[^\r]*chunked/.test(head);
  const http10 = head.startsWith('http/1.0');
  const close = /\nconnection:\s*close/.test(head) || (http10 && !/\nconnection:\s*keep-alive/.test(head));
  return { status, contentLength, chunked, close, bodyStart: end + 4 };
}

/** For chunked bodies: the decoded body and the bytes consumed, or null if incomplete. */
function parseChunked(buf, start) {
  const parts = [];
  let pos = start;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', pos);
    if (lineEnd < 0) return null;
    const size = parseInt(buf.latin1Slice(pos, lineEnd), 16);
    if (Number.isNaN(size)) throw new Error('bad chunk size');
    pos = lineEnd + 2;
    if (size === 0) {
      // Skip trailers up to the blank line.
      const trailerEnd = buf.indexOf(CRLFCRLF, pos - 2);
      if (trailerEnd < 0) return null;
      return { body: Buffer.concat(parts), end: trailerEnd + 4 };
    }
    if (buf.length < pos + size + 2) return null;
    parts.push(buf.subarray(pos, pos + size));
    pos += size + 2;
  }
}

function errorKey(status, body) {
  let type = '';
  try {
    const parsed = JSON.parse(body.toString('utf8'));
    type = String(parsed.__type ?? '').split('#').pop();
  } catch {
    // Not JSON.
  }
  return `${status}${type ? ` ${type}` : ''}`;
}

/**
 * Runs load against 127.0.0.1:port and resolves with the measurements.
 *
 * Options:
 * - connections: concurrency (one request in flight per connection)
 * - requests: Buffer[] of raw requests; connection i starts at offset
 *   i·len/connections and cycles, so connections touch different keys
 * - next(connIndex): alternative to `requests`, returns a Buffer or null (done)
 * - durationMs, maxRequests: whichever comes first ends the run
 * - inspect(status, body): optional per-response hook (costs a body copy)
 * - onStart(), onEnd(): called right before the first request and right after
 *   the last answer, before sockets close (CPU samples go there)
 */
export function runLoad(opts) {
  const {
    port,
    connections,
    requests,
    next,
    durationMs = 1000,
    maxRequests = Number.MAX_SAFE_INTEGER,
    hardTimeoutMs = 15_000,
    inspect,
    onStart,
    onEnd,
    // Requests per second over all connections (paced; a connection waits for its slot): both
    // servers of a comparison then see the same request rate, which a closed loop does not give.
    rate,
  } = opts;
  if (!requests && !next) throw new Error('runLoad: requests or next is required');

  return new Promise((resolve) => {
    const hist = new Histogram();
    const errors = new Map();
    let firstError = '';
    let ok = 0;
    let sent = 0;
    let netErrors = 0;
    let consecutiveNetErrors = 0;
    let stopping = false;
    let finished = false;
    let tStart = 0;
    let tLast = 0;
    let cpuStart;
    let connected = 0;
    let started = false;
    let deadlineTimer;
    let hardTimer;
    let connectTimer;
    const conns = [];

    const noteError = (key, detail) => {
      errors.set(key, (errors.get(key) ?? 0) + 1);
      if (!firstError) firstError = `${key}${detail ? `: ${detail}` : ''}`.slice(0, 400);
    };

    const maybeFinish = () => {
      if (finished || !stopping) return;
      if (conns.some((c) => c.inflight)) return;
      finished = true;
      clearTimeout(deadlineTimer);
      clearTimeout(hardTimer);
      clearTimeout(connectTimer);
      const cpu = process.cpuUsage(cpuStart);
      const end = onEnd?.();
      for (const c of conns) c.socket?.destroy();
      const elapsedMs = (tLast || performance.now()) - tStart;
      resolve({
        ok,
        sent,
        errors: [...errors.entries()].map(([key, count]) => ({ key, count })),
        errorCount: [...errors.values()].reduce((a, b) => a + b, 0),
        firstError,
        netErrors,
        elapsedMs,
        opsPerSec: elapsedMs > 0 ? (ok * 1000) / elapsedMs : 0,
        latencyUs: {
          p50: hist.quantile(0.5),
          p90: hist.quantile(0.9),
          p99: hist.quantile(0.99),
          max: hist.max,
          mean: hist.n ? hist.sum / hist.n : NaN,
        },
        clientCpuUs: cpu.user + cpu.system,
        end,
      });
    };

    const stop = () => {
      stopping = true;
      maybeFinish();
    };

    class Conn {
      constructor(index) {
        this.index = index;
        this.cursor = requests ? Math.floor((index * requests.length) / connections) : 0;
        this.inflight = false;
        this.pending = null;
        this.head = null;
        this.t0 = 0;
        this.reconnecting = false;
      }

      connect(onReady) {
        if (!started) this.initialReady = onReady;
        const socket = net.connect({ host: '127.0.0.1', port });
        this.socket = socket;
        socket.setNoDelay(true);
        socket.on('connect', () => {
          consecutiveNetErrors = 0;
          onReady();
        });
        socket.on('data', (chunk) => this.onData(chunk));
        socket.on('error', (err) => {
          if (this.socket !== socket) return;
          netErrors++;
          consecutiveNetErrors++;
          noteError(`network ${err.code ?? err.message}`);
        });
        socket.on('close', () => {
          if (this.socket !== socket) return;
          this.socket = null;
          if (this.head && this.head.contentLength < 0 && !this.head.chunked && this.pending) {
            // Close-delimited body: the close completes the response.
            const body = this.pending.subarray(this.head.bodyStart);
            this.complete(this.head.status, body, true);
            return;
          }
          if (this.inflight) {
            this.inflight = false;
            this.pending = null;
            this.head = null;
            noteError('network connection closed mid-request');
            consecutiveNetErrors++;
          }
          this.afterClose();
        });
      }

      afterClose() {
        if (stopping) {
          maybeFinish();
          return;
        }
        if (consecutiveNetErrors > 200) {
          // The server is gone; do not spin until the deadline.
          stop();
          return;
        }
        // Before the run starts, a failed connection retries towards the start line.
        const onReady = started ? () => this.send() : this.initialReady;
        setTimeout(() => this.connect(onReady), consecutiveNetErrors ? 5 : 0);
      }

      send() {
        if (stopping || sent >= maxRequests) {
          stop();
          return;
        }
        if (rate !== undefined) {
          const wait = tStart + (sent * 1000) / rate - performance.now();
          if (wait > 0.5) {
            setTimeout(() => this.send(), wait);
            return;
          }
        }
        let buf;
        if (requests) {
          buf = requests[this.cursor];
          this.cursor = this.cursor + 1 === requests.length ? 0 : this.cursor + 1;
        } else {
          buf = next(this.index);
          if (!buf) {
            this.done = true;
            if (conns.every((c) => c.done)) stop();
            return;
          }
        }
        sent++;
        this.inflight = true;
        this.t0 = performance.now();
        this.socket.write(buf);
      }

      onData(chunk) {
        this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
        if (!this.head) {
          this.head = parseHead(this.pending);
          if (!this.head) return;
        }
        const h = this.head;
        let body;
        let end;
        if (h.chunked) {
          const parsed = parseChunked(this.pending, h.bodyStart);
          if (!parsed) return;
          body = parsed.body;
          end = parsed.end;
        } else if (h.contentLength >= 0) {
          end = h.bodyStart + h.contentLength;
          if (this.pending.length < end) return;
          body = this.pending.subarray(h.bodyStart, end);
        } else {
          return; // Close-delimited: completed in the close handler.
        }
        if (end < this.pending.length) {
          noteError('protocol: bytes after the response');
        }
        this.complete(h.status, body, h.close);
      }

      complete(status, body, close) {
        const now = performance.now();
        this.inflight = false;
        this.pending = null;
        this.head = null;
        tLast = now;
        if (status >= 200 && status < 300) {
          ok++;
          hist.record((now - this.t0) * 1000);
        } else {
          noteError(errorKey(status, body), body.toString('utf8').replace(/\s+/g, ' ').slice(0, 300));
        }
        if (inspect) inspect(status, body);
        if (close) {
          const s = this.socket;
          this.socket = null;
          s?.destroy();
          this.afterClose();
          return;
        }
        if (stopping) {
          maybeFinish();
          return;
        }
        this.send();
      }
    }

    for (let i = 0; i < connections; i++) conns.push(new Conn(i));
    const begin = () => {
      started = true;
      onStart?.();
      cpuStart = process.cpuUsage();
      tStart = performance.now();
      deadlineTimer = setTimeout(stop, durationMs);
      hardTimer = setTimeout(() => {
        // The server stopped answering: count what is in flight as timeouts.
        for (const c of conns) {
          if (c.inflight) {
            c.inflight = false;
            noteError('timeout');
          }
        }
        stopping = true;
        maybeFinish();
      }, durationMs + hardTimeoutMs);
      for (const c of conns) c.send();
    };
    connectTimer = setTimeout(() => {
      // Could not even connect: report it rather than hang.
      stopping = true;
      tStart = performance.now();
      cpuStart = process.cpuUsage();
      if (!firstError) firstError = 'could not connect';
      maybeFinish();
    }, 10_000);
    for (const c of conns) {
      c.connect(() => {
        if (++connected === connections) {
          clearTimeout(connectTimer);
          begin();
        }
      });
    }
  });
}
