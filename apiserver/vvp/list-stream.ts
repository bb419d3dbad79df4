// A platform list answer (`{ "kind": …, "items": [ … ] }`) read one item at a time as it arrives, never whole: at
// 10,000 deployments the answer is tens of MB, and its text, its chunks and its object graph all at once were most of
// the server's memory. The tokens come from @streamparser/json's Tokenizer (iterative, so no depth can exhaust the
// stack); each item of `items` gets a TokenParser of its own, so at most one item is being built at any time.
//
// Bounds, whatever the platform sends: an item larger than `maxItemBytes` (counted in bytes of the answer) or nested
// deeper than `maxDepth` is not built — the parse drops it the moment it crosses the bound, and reports it with the
// few metadata fields seen before then (id, name, namespace, resourceVersion); a string is buffered only up to the
// item bound (CappedString); an item with a `__proto__` key is reported as damaged instead of being built (a
// TokenParser would set the prototype where JSON.parse makes an own property). Whatever is outside `items` is
// tokenized and dropped. Invalid JSON ends the read with an error.

import { TokenParser, Tokenizer, TokenType } from '@streamparser/json';

/** An item of the list that was not built, and why. */
export interface LeftOutItem {
  reason: 'too large' | 'too deep' | 'damaged';
  /** Bytes of the item seen (all of it, unless it was too large). */
  bytes: number;
  /** The scalar fields of its `metadata` seen before it was dropped. */
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

const METADATA_FIELDS = new Set(['id', 'name', 'namespace', 'resourceVersion']);

/**
 * The tokenizer's string accumulator, keeping at most `cap` bytes of one string: a longer one belongs to an item that
 * is too large anyway, which is dropped. Installed in place of the tokenizer's own (the version is pinned in
 * package.json; test/unit/vvp/list-stream.test.ts shows the bound holds).
 */
class CappedString {
  private readonly decoder = new TextDecoder('utf-8');
  private parts: string[] = [];
  private kept = 0;
  byteLength = 0;

  constructor(private readonly cap: number) {}

  private push(part: string, bytes: number): void {
    this.byteLength += bytes;
    if (this.kept > this.cap) return;
    this.parts.push(part);
    this.kept += bytes;
  }

  appendChar(char: number): void {
    this.push(String.fromCharCode(char), 1);
  }

  appendBuf(buf: Uint8Array, start = 0, end = buf.length): void {
    this.push(this.kept > this.cap ? '' : this.decoder.decode(buf.subarray(start, end)), end - start);
  }

  appendCharCode(code: number): void {
    this.push(String.fromCharCode(code), 0);
  }

  reset(): void {
    this.parts = [];
    this.kept = 0;
    this.byteLength = 0;
  }

  toString(): string {
    if (this.parts.length > 1) this.parts = [this.parts.join('')];
    return this.parts[0] ?? '';
  }
}

type Container = 'object' | 'array';

/** Reads one list answer; write() each chunk, then end(). Throws on invalid JSON. */
export class ListStream<T> {
  private readonly tokenizer = new Tokenizer();
  /** Open containers of the whole answer, outermost first, and whether each object expects a key next. */
  private readonly open: { type: Container; expectKey: boolean; key?: string }[] = [];
  private item?: { start: number; parser?: TokenParser; value?: unknown; metadata: Record<string, string | number>; leftOut?: LeftOutItem['reason'] };
  private written = 0;
  private items = 0;

  constructor(private readonly visitor: ListStreamVisitor<T>, private readonly bounds: ListStreamBounds) {
    (this.tokenizer as unknown as { bufferedString: CappedString }).bufferedString = new CappedString(bounds.maxItemBytes);
    this.tokenizer.onToken = (info) => this.token(info.token, info.value, info.offset);
    this.tokenizer.onError = (err) => {
      throw err;
    };
  }

  /** Items built so far. */
  get count(): number {
    return this.items;
  }

  write(chunk: Uint8Array): void {
    this.tokenizer.write(chunk);
    this.written += chunk.length;
    const item = this.item;
    if (item && !item.leftOut && this.written - item.start > this.bounds.maxItemBytes) this.leave('too large');
  }

  end(): void {
    this.tokenizer.end();
    if (this.open.length > 0 || this.item) throw new Error('the list answer ended before it was complete');
  }

  /** Whether the token at this point is an element of the root object's `items` array. */
  private inItems(): boolean {
    return this.open.length === 2 && this.open[1]!.type === 'array' && this.open[0]!.key === 'items';
  }

  private token(token: TokenType, value: unknown, offset: number): void {
    const top = this.open.at(-1);
    const isKey = top?.type === 'object' && top.expectKey && token === TokenType.STRING;
    if (this.item === undefined && this.inItems() && token !== TokenType.COMMA && token !== TokenType.RIGHT_BRACKET) {
      if (token === TokenType.LEFT_BRACE) this.item = { start: offset, parser: this.itemParser(), metadata: {} };
      else if (token === TokenType.LEFT_BRACKET) this.item = { start: offset, metadata: {}, leftOut: 'damaged' };
    }
    if (this.open.length === 0 && token !== TokenType.LEFT_BRACE) throw new Error('the list answer is not a JSON object');
    const item = this.item;
    if (item) {
      const depth = this.open.length - 2;
      if (isKey && value === '__proto__') this.leave('damaged');
      // A scalar of the item's metadata object (open[2] is the item, at its key 'metadata'; top is the metadata object).
      if (depth === 2 && this.open[2]?.key === 'metadata' && !isKey && top?.key && METADATA_FIELDS.has(top.key) && (token === TokenType.STRING || token === TokenType.NUMBER)) {
        item.metadata[top.key] = value as string | number;
      }
      if (offset - item.start > this.bounds.maxItemBytes && !item.leftOut) this.leave('too large');
      if (item.parser) {
        item.parser.write({ token, value: value as never });
      }
    }
    this.structure(token, value, isKey);
    if (item && this.open.length === 2) this.finish(item, offset);
  }

  /** Follows the containers, the keys of objects and the depth bound. */
  private structure(token: TokenType, value: unknown, isKey: boolean): void {
    const top = this.open.at(-1);
    if (isKey) {
      top!.key = value as string;
      top!.expectKey = false;
      return;
    }
    if (token === TokenType.COMMA) {
      if (top?.type === 'object') top.expectKey = true;
      return;
    }
    if (token === TokenType.LEFT_BRACE || token === TokenType.LEFT_BRACKET) {
      this.open.push({ type: token === TokenType.LEFT_BRACE ? 'object' : 'array', expectKey: token === TokenType.LEFT_BRACE });
      if (this.item && this.open.length - 2 > this.bounds.maxDepth) this.leave('too deep');
      return;
    }
    if (token === TokenType.RIGHT_BRACE || token === TokenType.RIGHT_BRACKET) this.open.pop();
  }

  private itemParser(): TokenParser {
    const parser = new TokenParser({ paths: ['$'], keepStack: false });
    parser.onValue = ({ value }) => {
      if (this.item) this.item.value = value;
    };
    parser.onEnd = () => {};
    return parser;
  }

  /** Stops building the current item; it is reported when it ends. */
  private leave(reason: LeftOutItem['reason']): void {
    const item = this.item!;
    item.leftOut ??= reason;
    item.parser = undefined;
    item.value = undefined;
  }

  private finish(item: NonNullable<ListStream<T>['item']>, offset: number): void {
    this.item = undefined;
    const bytes = offset + 1 - item.start;
    if (!item.leftOut && bytes > this.bounds.maxItemBytes) item.leftOut = 'too large';
    if (item.leftOut) {
      this.visitor.leftOut?.({ reason: item.leftOut, bytes, metadata: item.metadata });
      return;
    }
    this.items++;
    this.visitor.item(item.value as T, bytes);
  }
}
