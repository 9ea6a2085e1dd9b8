// @ts-check
// Cuts a file that arrives in chunks (a Blob's or a fetch's stream, a Node stream, or bytes in
// memory) into pieces that each end at a row boundary, so the engine can load a large file piece
// by piece with its progress shown, while every error names a line of the whole file.
// Used by Engine.loadEventsFrom() (index.js). JSON arrays and strict loads are not cut: a JSON
// array has no row boundaries, and a strict load must fail as a whole.

/** @typedef {'jsonl' | 'json' | 'csv'} ConcreteFormat */

const LF = 0x0a, CR = 0x0d, QUOTE = 0x22, COMMA = 0x2c;

/**
 * The format the engine's `auto` would pick: from the first byte that is not a blank (after a
 * UTF-8 byte-order mark), `[` a JSON array, `{` JSON Lines, anything else CSV. null while the
 * text holds only blanks.
 * @param {Uint8Array} bytes
 * @returns {ConcreteFormat | null}
 */
export function detectFormat(bytes) {
  // The first bytes of a byte-order mark may arrive before the rest of it.
  if (bytes.length < 3 && [0xef, 0xbb].slice(0, bytes.length).every((b, k) => bytes[k] === b)) return null;
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === LF || bytes[i] === CR)) i++;
  if (i === bytes.length) return null;
  return bytes[i] === 0x5b ? 'json' : bytes[i] === 0x7b ? 'jsonl' : 'csv';
}

/**
 * Where a piece of text may be cut: the end of its last complete row, and its number of lines
 * up to there. CSV rows are found as the engine's CSV reader finds them (a quote opens a quoted
 * cell only at the start of a cell, `""` inside one is a quote; CR, LF and CRLF end a row), so a
 * line break inside a quoted cell is never a cut.
 * @param {Uint8Array} bytes
 * @param {boolean} csv
 * @returns {{ cut: number, lines: number }}  cut = 0 when no row ends in bytes
 */
export function lastRowEnd(bytes, csv) {
  let cut = 0, lines = 0, linesAtCut = 0;
  if (!csv) {
    for (let i = bytes.indexOf(LF); i >= 0; i = bytes.indexOf(LF, i + 1)) {
      lines++;
      cut = i + 1;
    }
    return { cut, lines };
  }
  let quoted = false, cellStart = true;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (quoted) {
      if (c === QUOTE) {
        if (bytes[i + 1] === QUOTE) i++;
        else quoted = false;
      } else if (c === LF) lines++;
      continue;
    }
    if (c === LF || c === CR) {
      // A CR at the very end may be the first half of a CRLF: leave it for the next piece.
      if (c === CR && i + 1 === bytes.length) break;
      if (c === CR && bytes[i + 1] === LF) i++;
      lines++;
      cut = i + 1;
      linesAtCut = lines;
      cellStart = true;
    } else if (c === COMMA) {
      cellStart = true;
    } else {
      if (c === QUOTE && cellStart) quoted = true;
      cellStart = false;
    }
  }
  return { cut, lines: linesAtCut };
}

/**
 * Whether a CSV text (cut at a row end) holds a non-blank row yet: its header.
 * @param {Uint8Array} bytes
 */
function hasNonBlankRow(bytes) {
  for (let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0; i < bytes.length; i++) {
    if (bytes[i] !== LF && bytes[i] !== CR) return true;
  }
  return false;
}

/**
 * @param {Uint8Array[]} chunks
 * @param {number} size
 */
function concat(chunks, size) {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * One piece to load: its text (for CSV after the first piece, the header rows first) and the
 * line number of its first line in the whole file; `bytes` of the source it covers;
 * `headerLines` the lines at its start that repeat the header (0 for the first piece).
 * @typedef {{ text: Uint8Array, firstLine: number, bytes: number, headerLines: number }} Piece
 */

/**
 * Collects chunks and hands out pieces of at least `pieceBytes` that end at a row boundary.
 * A CSV's header (with any blank lines before it) is put in front of every later piece, which
 * then starts that many lines earlier, so the engine reads each piece as a whole file would be.
 */
export class PieceCutter {
  /**
   * @param {ConcreteFormat} format  'jsonl' or 'csv' (a JSON array is never cut)
   * @param {number} pieceBytes
   */
  constructor(format, pieceBytes) {
    this.csv = format === 'csv';
    this.pieceBytes = pieceBytes;
    /** @type {Uint8Array[]} */
    this.chunks = [];
    this.size = 0;
    this.nextLine = 1;
    /** @type {Uint8Array | null} the CSV header rows, once read */
    this.header = null;
    this.headerLines = 0;
  }

  /**
   * Adds a chunk; returns a piece when enough rows have arrived.
   * @param {Uint8Array} chunk
   * @returns {Piece | null}
   */
  push(chunk) {
    if (chunk.length === 0) return null;
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size < this.pieceBytes) return null;
    const all = concat(this.chunks, this.size);
    const { cut, lines } = lastRowEnd(all, this.csv);
    if (cut === 0 || (this.csv && !this.header && !this.#takeHeader(all.subarray(0, cut)))) {
      // One row longer than a piece, or no header yet: keep gathering (as one chunk, so it is
      // not copied again).
      this.chunks = [all];
      return null;
    }
    const rest = all.subarray(cut);
    this.chunks = rest.length ? [rest.slice()] : [];
    this.size = rest.length;
    return this.#piece(all.subarray(0, cut), lines);
  }

  /**
   * The rest, after the last chunk (null when nothing is left).
   * @returns {Piece | null}
   */
  end() {
    if (this.size === 0) return null;
    const all = concat(this.chunks, this.size);
    this.chunks = [];
    this.size = 0;
    return this.#piece(all, 0);
  }

  /**
   * @param {Uint8Array} text  whole rows of the file
   * @param {number} lines  its line breaks
   * @returns {Piece}
   */
  #piece(text, lines) {
    const firstLine = this.nextLine;
    this.nextLine += lines;
    const first = firstLine === 1;
    if (!this.csv || first) return { text, firstLine, bytes: text.length, headerLines: 0 };
    if (this.header) {
      const withHeader = new Uint8Array(this.header.length + text.length);
      withHeader.set(this.header);
      withHeader.set(text, this.header.length);
      return { text: withHeader, firstLine: firstLine - this.headerLines, bytes: text.length, headerLines: this.headerLines };
    }
    return { text, firstLine, bytes: text.length, headerLines: 0 };
  }

  // The first piece must hold the header: keep its rows (up to the end of the first non-blank
  // row, without a byte-order mark) for the pieces after it. False while the rows so far are blank.
  /** @param {Uint8Array} text  whole rows */
  #takeHeader(text) {
    let end = 0, lines = 0;
    while (end < text.length) {
      const { cut, lines: n } = lastRowEnd(firstRowOf(text.subarray(end)), true);
      if (cut === 0) return false;
      const row = text.subarray(end, end + cut);
      end += cut;
      lines += n;
      if (hasNonBlankRow(row)) {
        const start = text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf ? 3 : 0;
        this.header = text.slice(start, end);
        this.headerLines = lines;
        return true;
      }
    }
    return false;
  }
}

/**
 * A CSV text up to and including its first row end (the whole text when no row ends in it).
 * @param {Uint8Array} bytes
 */
function firstRowOf(bytes) {
  // lastRowEnd over ever longer prefixes would be quadratic: scan once with the same rules.
  let quoted = false, cellStart = true;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (quoted) {
      if (c === QUOTE) {
        if (bytes[i + 1] === QUOTE) i++;
        else quoted = false;
      }
      continue;
    }
    if (c === LF || c === CR) {
      if (c === CR && bytes[i + 1] === LF) i++;
      return bytes.subarray(0, i + 1);
    }
    if (c === COMMA) cellStart = true;
    else {
      if (c === QUOTE && cellStart) quoted = true;
      cellStart = false;
    }
  }
  return bytes;
}

/**
 * The chunks of a source, as Uint8Arrays: a Blob (File), a ReadableStream, an async iterable
 * (a Node stream), bytes or a string (one chunk each). `total` is its size when known.
 * @param {Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string> | Uint8Array | ArrayBuffer | ArrayBufferView | string} source
 * @param {number} pieceBytes
 * @returns {{ total: number | null, chunks: AsyncIterable<Uint8Array> }}
 */
export function chunksOf(source, pieceBytes) {
  const encoder = new TextEncoder();
  if (typeof source === 'string') return inMemory(encoder.encode(source), pieceBytes);
  if (source instanceof ArrayBuffer) return inMemory(new Uint8Array(source), pieceBytes);
  if (ArrayBuffer.isView(source)) return inMemory(new Uint8Array(source.buffer, source.byteOffset, source.byteLength), pieceBytes);
  if (typeof Blob === 'function' && source instanceof Blob) return { total: source.size, chunks: fromStream(source.stream()) };
  if (source && typeof (/** @type {ReadableStream} */ (source)).getReader === 'function') {
    return { total: null, chunks: fromStream(/** @type {ReadableStream<Uint8Array>} */ (source)) };
  }
  if (source && typeof (/** @type {AsyncIterable<unknown>} */ (source))[Symbol.asyncIterator] === 'function') {
    const iterable = /** @type {AsyncIterable<Uint8Array | string>} */ (source);
    return { total: null, chunks: (async function* () {
      for await (const c of iterable) yield typeof c === 'string' ? encoder.encode(c) : asBytes(c);
    })() };
  }
  throw new TypeError('source must be a Blob, a ReadableStream, an async iterable of bytes, bytes or a string');
}

/** @param {unknown} c */
function asBytes(c) {
  if (c instanceof Uint8Array) return c;
  if (c instanceof ArrayBuffer) return new Uint8Array(c);
  if (ArrayBuffer.isView(c)) return new Uint8Array(c.buffer, c.byteOffset, c.byteLength);
  throw new TypeError('a stream chunk must be bytes or a string');
}

/**
 * @param {Uint8Array} bytes
 * @param {number} pieceBytes
 * @returns {{ total: number, chunks: AsyncIterable<Uint8Array> }}
 */
function inMemory(bytes, pieceBytes) {
  return { total: bytes.length, chunks: (async function* () {
    for (let at = 0; at < bytes.length; at += pieceBytes) yield bytes.subarray(at, at + pieceBytes);
  })() };
}

/**
 * @param {ReadableStream<Uint8Array>} stream
 * @returns {AsyncIterable<Uint8Array>}
 */
async function* fromStream(stream) {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield asBytes(value);
    }
  } finally {
    reader.releaseLock();
  }
}
