// DAP base-protocol framing (`Content-Length: N\r\n\r\n` + N bytes of JSON)
// for the adapter's stdio, replacing @vscode/debugadapter's reader, which
// exits silently on a frame that is not JSON, and waits forever on garbage
// or a nonsense Content-Length. Here every byte is either part of a message
// or reported as a problem with a reason, the reader resynchronises on the
// next header, and no input makes it buffer without bound.

import { printable } from '../simulator/text/printable';

/** Longest header block we wait for before calling the bytes garbage. */
export const MAX_HEADER_BYTES = 4096;
/** Largest message body accepted (a writeMemory of 1 MiB is ~1.4 MB of base64). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

const HEADER_END = Buffer.from('\r\n\r\n');
const HEADER_START = Buffer.from('Content-Length:');

/** The request a broken frame belonged to, when its text still shows it. */
export interface RequestRef { seq: number; command: string }

export interface FrameSink {
  /** A parsed JSON value (not checked further: see requestCheck.ts). */
  message(msg: unknown): void;
  /** Bytes that are no message: why, and the request if one can be identified. */
  problem(reason: string, request?: RequestRef): void;
}

export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  /** Body length of the frame being read, or -1 while reading a header. */
  private want = -1;

  constructor(private readonly sink: FrameSink) {}

  /** Bytes held while waiting for the rest of a frame (bounded by MAX_HEADER_BYTES + MAX_BODY_BYTES). */
  get buffered(): number {
    return this.buf.length;
  }

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      if (this.want >= 0) {
        if (this.buf.length < this.want) return;
        const body = this.buf.subarray(0, this.want);
        this.buf = this.buf.subarray(this.want);
        this.want = -1;
        this.body(body);
        continue;
      }
      if (!this.header()) return;
    }
  }

  /** At end of input: say what was left unread. */
  end(): void {
    if (this.want >= 0) this.sink.problem(`the input ended inside a message (${this.buf.length} of ${this.want} bytes)`);
    else if (this.buf.length > 0) this.sink.problem(`the input ended with ${this.buf.length} bytes that are no message`);
    this.buf = Buffer.alloc(0);
    this.want = -1;
  }

  /** Consume one header block; false when more bytes are needed. */
  private header(): boolean {
    const start = this.buf.indexOf(HEADER_START);
    if (start < 0) {
      // all garbage, but for a tail that may begin a header split across chunks
      const keep = partialPrefix(this.buf, HEADER_START);
      if (this.buf.length > keep) this.skip(this.buf.length - keep);
      return false;
    }
    if (start > 0) this.skip(start);
    const lineEnd = this.buf.indexOf('\n');
    if (lineEnd < 0) {
      if (this.buf.length <= MAX_HEADER_BYTES) return false;
      return this.badHeader(`a header line longer than ${MAX_HEADER_BYTES} bytes`);
    }
    const line = this.buf.subarray(0, lineEnd + 1).toString('latin1');
    const m = /^Content-Length: *(\S*) *\r\n$/.exec(line);
    if (!m) return this.badHeader(`header line '${printable(line)}' does not end with \\r\\n`);
    if (!/^\d{1,9}$/.test(m[1])) return this.badHeader(`Content-Length '${printable(m[1])}' is not a byte count`);
    const n = Number(m[1]);
    if (n > MAX_BODY_BYTES) return this.badHeader(`Content-Length ${n} is more than the ${MAX_BODY_BYTES} bytes a message may have`);
    // other header fields may follow until the blank line
    const end = this.buf.indexOf(HEADER_END, lineEnd - 1);
    if (end < 0) {
      if (this.buf.length <= MAX_HEADER_BYTES) return false;
      return this.badHeader(`a header longer than ${MAX_HEADER_BYTES} bytes without its blank line`);
    }
    this.buf = this.buf.subarray(end + HEADER_END.length);
    this.want = n;
    return true;
  }

  /** Report a header we cannot use and drop it (its body, if any, is then skipped as garbage). */
  private badHeader(reason: string): true {
    this.sink.problem(`${reason}; the frame is skipped`);
    const next = this.buf.indexOf(HEADER_START, 1);
    const end = this.buf.subarray(0, next > 0 ? next : MAX_HEADER_BYTES).indexOf(HEADER_END);
    const line = this.buf.indexOf('\n');
    this.buf = this.buf.subarray(end >= 0 ? end + HEADER_END.length : line >= 0 ? line + 1 : 1);
    return true;
  }

  private skip(n: number): void {
    this.sink.problem(`skipped ${n} bytes that are not a DAP header: '${printable(this.buf.subarray(0, Math.min(n, 40)).toString('latin1'))}${n > 40 ? '…' : ''}'`);
    this.buf = this.buf.subarray(n);
  }

  private body(bytes: Buffer): void {
    const text = bytes.toString('utf8');
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch (e) {
      this.sink.problem(`a message is not valid JSON (${(e as Error).message})`, requestIn(text));
      return;
    }
    this.sink.message(msg);
  }
}

/** Length of the longest tail of `buf` that is a beginning of `word`. */
function partialPrefix(buf: Buffer, word: Buffer): number {
  for (let k = Math.min(word.length - 1, buf.length); k > 0; k--) {
    if (buf.subarray(buf.length - k).equals(word.subarray(0, k))) return k;
  }
  return 0;
}

/** seq and command of a request whose JSON is broken (a short Content-Length cuts it, say). */
export function requestIn(text: string): RequestRef | undefined {
  const seq = /"seq"\s*:\s*(\d{1,15})/.exec(text);
  const command = /"command"\s*:\s*"([A-Za-z0-9_.-]{1,64})"/.exec(text);
  if (!seq || !command || !/"type"\s*:\s*"request"/.test(text)) return undefined;
  return { seq: Number(seq[1]), command: command[1] };
}
