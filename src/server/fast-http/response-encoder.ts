/**
 * @module server/fast-http/response-encoder
 * Serialises a response — status line, headers, Date, Connection, body —
 * into one Buffer, so the connection hands the kernel one write per
 * response (one writev syscall and one TCP segment for small answers). Header
 * text is latin1: every value is either ours (ASCII) or echoed from a request
 * header that was decoded as latin1 and checked for control characters.
 */
/**
 * Reason phrases (RFC 9110 §15) of the statuses openddb and its front end
 * send. Kept here rather than read from node:http's STATUS_CODES: loading
 * node:http costs the default front end ~1.5 ms of cold start. A reason
 * phrase is informative only; any other status says "Unknown".
 */
const REASONS: Readonly<Record<number, string>> = {
  100: 'Continue',
  200: 'OK',
  304: 'Not Modified',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  411: 'Length Required',
  413: 'Payload Too Large',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'HTTP Version Not Supported',
};

/** Precomputed status lines for the statuses openddb sends most. */
const STATUS_LINES = new Map<number, string>();

function statusLine(status: number): string {
  let line = STATUS_LINES.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${REASONS[status] ?? 'Unknown'}\r\n`;
    if (status >= 100 && status < 600) STATUS_LINES.set(status, line);
  }
  return line;
}

const KEEP_ALIVE_TAIL_PREFIX = '\r\nConnection: keep-alive\r\nKeep-Alive: timeout=';
const CLOSE_TAIL = '\r\nConnection: close\r\n\r\n';

/**
 * The HTTP date (RFC 9110 §5.6.7), recomputed at most once a second: the
 * header has one-second resolution, so formatting it per response is waste.
 */
export class HttpDate {
  private second = -1;
  private text = '';

  now(ms: number = Date.now()): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      this.second = second;
      this.text = new Date(second * 1000).toUTCString();
    }
    return this.text;
  }
}

export interface EncodeOptions {
  readonly keepAlive: boolean;
  /** Seconds advertised in `Keep-Alive: timeout=`. */
  readonly keepAliveSeconds: number;
  /** HEAD: send the headers (Content-Length included) but no body. */
  readonly omitBody: boolean;
  readonly date: string;
}

/**
 * Encodes one response. `headers` are flat name/value pairs and must include
 * Content-Length; a `Connection` among them is dropped in favour of the one
 * this function writes from `keepAlive`.
 */
export function encodeResponse(status: number, headers: readonly string[], body: Buffer, options: EncodeOptions): Buffer {
  let head = statusLine(status);
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (name.length === 10 && name.toLowerCase() === 'connection') continue;
    head += `${name}: ${headers[i + 1]!}\r\n`;
  }
  head += `Date: ${options.date}`;
  head += options.keepAlive ? `${KEEP_ALIVE_TAIL_PREFIX}${options.keepAliveSeconds}\r\n\r\n` : CLOSE_TAIL;
  const bodyLength = options.omitBody ? 0 : body.length;
  // allocUnsafe: every byte is written below; small responses come from Node's pool.
  const out = Buffer.allocUnsafe(head.length + bodyLength);
  out.write(head, 0, 'latin1');
  if (bodyLength > 0) body.copy(out, head.length);
  return out;
}

/** The interim response to `Expect: 100-continue`. */
export const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
