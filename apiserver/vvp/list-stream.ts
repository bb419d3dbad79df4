// A platform list answer (`{ "kind": …, "items": [ … ] }`) read one item at a time as it arrives, never whole: at
// 10,000 deployments the answer is tens of MB, and its text, its chunks and its object graph all at once were most of
// the server's memory.
//
// How: a scan of the bytes follows strings (quotes, escapes) and nesting only, to find where each element of the
// root object's `items` starts and ends; each element is then parsed alone by JSON.parse. The scan is the cheap part
// (Buffer.indexOf over strings); the parse stays V8's. Measured at 10,000 deployments (15 MB): whole JSON.parse 60 ms,
// this 80 ms, @streamparser/json (tokenizer + a TokenParser per item) 290 ms — too slow for a list request or a
// poll every second, which is why no streaming tokenizer is used here.
//
// Bounds, whatever the platform sends: an element larger than `maxItemBytes` (bytes of the answer) or nested deeper
// than `maxDepth` is never parsed — its bytes are dropped as they cross the bound (at most one item and one chunk
// are held) and it is reported with the metadata scalars found in its first bytes (id, name, namespace,
// resourceVersion; the platform sends metadata first). No string is ever buffered whole. An element that is not an
// object is skipped (an array is reported as damaged). What is outside `items` is scanned and dropped. A truncated
// answer, one that is not an object, or an element that is not JSON ends the read with an error.

/** An item of the list that was not built, and why. */
export interface LeftOutItem {
  reason: 'too large' | 'too deep' | 'damaged';
  /** Bytes of the item seen (all of it, unless it was too large). */
  bytes: number;
  /** The scalar fields of its `metadata` found in its first bytes. */
  metadata: Record<string, string | number>;
}

export interface ListStreamVisitor<T> {
  item(value: T, bytes: number): void;
  leftOut?(item: LeftOutItem): void;
}

export interface ListStreamBounds {
  maxItemBytes: number;
  /** Nesting of one item's values (the item itself is 1). */
  maxDepth: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;
/** Bytes of a left-out item kept to name it. */
const PREFIX_BYTES = 16 * 1024;
/** A root key longer than this is not `items`. */
const KEY_BYTES = 16;

interface OpenItem {
  /** Bytes of the item so far. */
  bytes: number;
  /** Its bytes, while it is within the bounds; afterwards only the first PREFIX_BYTES. */
  parts: Buffer[];
  leftOut?: LeftOutItem['reason'];
}

/** Reads one list answer; write() each chunk, then end(). Throws on an answer that cannot be a list. */
export class ListStream<T> {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private started = false;
  private ended = false;
  /** A root object's key being read (its raw bytes, up to KEY_BYTES + 1), the last one read, and whether one is next. */
  private key: number[] | undefined;
  private lastKey: string | undefined;
  private expectKey = true;
  /** The key whose value is being read at the root. */
  private valueOfKey: string | undefined;
  /** Whether the root's `items` array is open. */
  private itemsOpen = false;
  private item: OpenItem | undefined;
  private items = 0;

  constructor(private readonly visitor: ListStreamVisitor<T>, private readonly bounds: ListStreamBounds) {}

  /** Items built so far. */
  get count(): number {
    return this.items;
  }

  write(chunk: Buffer): void {
    const len = chunk.length;
    let itemStart = this.item ? 0 : -1;
    // Next quote and backslash at or after the scan position within this chunk (-1: none), found once each.
    let nextQuote = -2;
    let nextBackslash = -2;
    for (let i = 0; i < len; i++) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          if (this.key) this.keyByte(chunk[i]!);
          continue;
        }
        if (this.key) {
          const b = chunk[i]!;
          if (b === QUOTE) this.endString();
          else if (b === BACKSLASH) this.escaped = true;
          else this.keyByte(b);
          continue;
        }
        if (nextQuote !== -1 && nextQuote < i) nextQuote = chunk.indexOf(QUOTE, i);
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = chunk.indexOf(BACKSLASH, i);
        if (nextBackslash !== -1 && (nextQuote === -1 || nextBackslash < nextQuote)) {
          i = nextBackslash;
          this.escaped = true;
        } else if (nextQuote !== -1) {
          i = nextQuote;
          this.endString();
        } else {
          i = len;
        }
        continue;
      }
      const b = chunk[i]!;
      if (b === QUOTE) {
        this.inString = true;
        if (this.depth === 1 && this.expectKey) this.key = [];
      } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        if (!this.started) {
          if (b !== OPEN_BRACE) throw new Error('the list answer is not a JSON object');
          this.started = true;
        }
        if (this.depth === 1 && b === OPEN_BRACKET && this.valueOfKey === 'items') this.itemsOpen = true;
        this.depth++;
        if (this.depth === 3 && this.itemsOpen && !this.item) {
          this.item = { bytes: 0, parts: [], ...(b === OPEN_BRACKET ? { leftOut: 'damaged' as const } : {}) };
          itemStart = i;
        } else if (this.item && this.depth - 2 > this.bounds.maxDepth) {
          this.leave('too deep');
        }
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === 2 && this.item) {
          this.finish(chunk.subarray(itemStart, i + 1));
          itemStart = -1;
        } else if (this.depth === 1) {
          this.itemsOpen = false;
        } else if (this.depth === 0) {
          this.ended = true;
        } else if (this.depth < 0) {
          throw new Error('the list answer is not JSON');
        }
      } else if (this.depth === 1) {
        if (b === COLON) {
          this.expectKey = false;
          this.valueOfKey = this.lastKey;
        } else if (b === COMMA) {
          this.expectKey = true;
          this.valueOfKey = undefined;
        }
      } else if (!this.started && b > 0x20) {
        throw new Error('the list answer is not a JSON object');
      }
    }
    if (this.item && itemStart >= 0) this.keep(chunk.subarray(itemStart));
  }

  end(): void {
    if (!this.ended || this.inString || this.item) throw new Error('the list answer ended before it was complete');
  }

  private keyByte(b: number): void {
    if (this.key!.length <= KEY_BYTES) this.key!.push(b);
  }

  private endString(): void {
    this.inString = false;
    if (this.key) {
      this.lastKey = this.key.length > KEY_BYTES ? undefined : String.fromCharCode(...this.key);
      this.key = undefined;
    }
  }

  /** Adds bytes to the open item, and drops them once it crosses the size bound. */
  private keep(part: Buffer): void {
    const item = this.item!;
    item.bytes += part.length;
    if (!item.leftOut && item.bytes > this.bounds.maxItemBytes) this.leave('too large');
    if (!item.leftOut) {
      item.parts.push(Buffer.from(part)); // a copy: the chunk itself is not kept
    } else {
      const kept = item.parts.reduce((n, p) => n + p.length, 0);
      if (kept < PREFIX_BYTES) item.parts.push(Buffer.from(part.subarray(0, PREFIX_BYTES - kept)));
    }
  }

  private leave(reason: LeftOutItem['reason']): void {
    const item = this.item!;
    if (item.leftOut) return;
    item.leftOut = reason;
    const all = Buffer.concat(item.parts);
    item.parts = [all.subarray(0, PREFIX_BYTES)];
  }

  private finish(last: Buffer): void {
    const item = this.item!;
    this.item = undefined;
    const bytes = item.bytes + last.length;
    if (!item.leftOut && bytes > this.bounds.maxItemBytes) {
      item.parts.push(last);
      this.leave('too large');
    }
    if (item.leftOut) {
      if (!item.parts.length) item.parts.push(last.subarray(0, PREFIX_BYTES));
      this.visitor.leftOut?.({ reason: item.leftOut, bytes, metadata: metadataIn(Buffer.concat(item.parts).toString('utf8')) });
      return;
    }
    const text = (item.parts.length === 0 ? last : Buffer.concat([...item.parts, last])).toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new Error(`an item of the list answer is not JSON: ${(err as Error).message}`, { cause: err });
    }
    this.items++;
    this.visitor.item(value as T, bytes);
  }
}

/** The metadata scalars a left-out item's first bytes show, found by pattern (the item is not parsed). */
function metadataIn(prefix: string): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  const at = prefix.search(/"metadata"\s*:\s*\{/);
  if (at < 0) return out;
  const metadata = prefix.slice(at, at + 4096);
  for (const field of ['id', 'name', 'namespace', 'resourceVersion']) {
    const m = new RegExp(`[{,]\\s*"${field}"\\s*:\\s*(?:"([^"\\\\]{0,253})"|(\\d{1,15}))`).exec(metadata);
    if (m) out[field] = m[1] ?? Number(m[2]);
  }
  return out;
}
