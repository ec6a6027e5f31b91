// Turns generated token bytes into the text a client sees, safely and incrementally.
//
// Two things make this harder than "decode each token": a token may be a fraction of a UTF-8
// character (byte-fallback vocabularies, random weights that emit arbitrary bytes), and a stop
// string may span several tokens. So bytes go through an incremental UTF-8 decoder that holds an
// incomplete character until it completes (and turns invalid bytes into U+FFFD exactly as the WHATWG
// decoder does, so the result never depends on how bytes were split), and decoded text is held back
// while its end could still be the start of a stop string. Each token travels with its text so
// logprobs stay aligned with the text they describe.

const REPLACEMENT = "\uFFFD";

/** Incremental UTF-8 decoder (WHATWG semantics: each maximal invalid subpart becomes one U+FFFD). */
export class Utf8StreamDecoder {
  private codePoint = 0;
  private needed = 0;
  private seen = 0;
  private lower = 0x80;
  private upper = 0xbf;

  /** True while the last bytes are the valid start of a character that is not complete yet. */
  get hasPending(): boolean {
    return this.needed > 0;
  }

  decode(bytes: ArrayLike<number>): string {
    let out = "";
    for (let i = 0; i < bytes.length; i++) {
      const byte = (bytes[i] ?? 0) & 0xff;
      if (this.needed === 0) {
        if (byte < 0x80) {
          out += String.fromCharCode(byte);
        } else if (byte >= 0xc2 && byte <= 0xdf) {
          this.start(1, byte & 0x1f);
        } else if (byte >= 0xe0 && byte <= 0xef) {
          this.start(2, byte & 0x0f);
          if (byte === 0xe0) this.lower = 0xa0; // no overlong forms
          if (byte === 0xed) this.upper = 0x9f; // no surrogates
        } else if (byte >= 0xf0 && byte <= 0xf4) {
          this.start(3, byte & 0x07);
          if (byte === 0xf0) this.lower = 0x90;
          if (byte === 0xf4) this.upper = 0x8f; // nothing above U+10FFFF
        } else {
          out += REPLACEMENT;
        }
        continue;
      }
      if (byte < this.lower || byte > this.upper) {
        // The pending bytes were a dead end: one U+FFFD for them, then this byte starts afresh.
        this.reset();
        out += REPLACEMENT;
        i--;
        continue;
      }
      this.lower = 0x80;
      this.upper = 0xbf;
      this.codePoint = (this.codePoint << 6) | (byte & 0x3f);
      this.seen++;
      if (this.seen === this.needed) {
        out += String.fromCodePoint(this.codePoint);
        this.reset();
      }
    }
    return out;
  }

  /** Ends the stream: an incomplete character left over becomes U+FFFD. */
  flush(): string {
    if (this.needed === 0) return "";
    this.reset();
    return REPLACEMENT;
  }

  private start(needed: number, bits: number): void {
    this.needed = needed;
    this.seen = 0;
    this.codePoint = bits;
  }

  private reset(): void {
    this.needed = 0;
    this.seen = 0;
    this.codePoint = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
  }
}

/** Length of the longest suffix of `text` that is a proper prefix of one of `stops`. */
export function stopPrefixLength(text: string, stops: readonly string[]): number {
  let best = 0;
  for (const stop of stops) {
    for (let k = Math.min(stop.length - 1, text.length); k > best; k--) {
      if (text.endsWith(stop.slice(0, k))) {
        best = k;
        break;
      }
    }
  }
  return best;
}

/** Earliest occurrence of any stop string in `text`, or -1. */
export function findStop(text: string, stops: readonly string[]): number {
  let first = -1;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0 && (first < 0 || at < first)) first = at;
  }
  return first;
}

export interface Released<T> {
  /** Text released by this call (may be empty). */
  text: string;
  /** Tokens whose text is now fully released (or that start before the stop string), in order. */
  items: T[];
}

interface Pending<T> {
  item: T;
  /** Position in the decoded text where this token's bytes start. */
  start: number;
  /** Where its text ends; undefined while its last bytes are an incomplete character. */
  end: number | undefined;
}

/**
 * Accumulates generated tokens and releases text that can no longer change: complete characters
 * that cannot be the beginning of a stop string. After a stop string is found, `stopped` is true,
 * the text before it has been released and nothing more is accepted.
 */
export class OutputAssembler<T> {
  private readonly decoder = new Utf8StreamDecoder();
  private readonly stops: string[];
  /** Decoded text not yet released; it starts at absolute position `releasedLength`. */
  private held = "";
  private releasedLength = 0;
  private decodedLength = 0;
  private pending: Pending<T>[] = [];
  private stoppedFlag = false;

  constructor(stops: readonly string[] = []) {
    this.stops = stops.filter((s) => s.length > 0);
  }

  get stopped(): boolean {
    return this.stoppedFlag;
  }

  push(bytes: ArrayLike<number>, item: T): Released<T> {
    if (this.stoppedFlag) return { text: "", items: [] };
    const start = this.decodedLength;
    const chunk = this.decoder.decode(bytes);
    this.held += chunk;
    this.decodedLength += chunk.length;
    this.pending.push({ item, start, end: undefined });
    if (!this.decoder.hasPending) {
      for (const p of this.pending) if (p.end === undefined) p.end = this.decodedLength;
    }
    return this.release(false);
  }

  /** No more tokens: leftover partial character → U+FFFD, held text is released. */
  finish(): Released<T> {
    if (this.stoppedFlag) return { text: "", items: [] };
    const tail = this.decoder.flush();
    this.held += tail;
    this.decodedLength += tail.length;
    for (const p of this.pending) if (p.end === undefined) p.end = this.decodedLength;
    return this.release(true);
  }

  private release(final: boolean): Released<T> {
    const at = findStop(this.held, this.stops);
    if (at >= 0) {
      const cut = this.releasedLength + at;
      const text = this.held.slice(0, at);
      const items = this.pending.filter((p) => p.start < cut).map((p) => p.item);
      this.pending = [];
      this.held = "";
      this.releasedLength = cut;
      this.stoppedFlag = true;
      return { text, items };
    }
    const keep = final ? 0 : stopPrefixLength(this.held, this.stops);
    const text = this.held.slice(0, this.held.length - keep);
    this.held = this.held.slice(this.held.length - keep);
    this.releasedLength += text.length;
    const items: T[] = [];
    while (this.pending.length > 0) {
      const first = this.pending[0] as Pending<T>;
      if (first.end === undefined || first.end > this.releasedLength) break;
      items.push(first.item);
      this.pending.shift();
    }
    return { text, items };
  }
}
