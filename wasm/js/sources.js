// @ts-check
// The chunks of a file to load: a Blob (a File), a ReadableStream (a fetch's body), an async
// iterable (a Node stream), or bytes or text in memory (sliced), each chunk as a Uint8Array.
// Engine.loadEventsFrom() and co. (index.js) feed them to the core's load in pieces.

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
  if (ArrayBuffer.isView(source))
    return inMemory(new Uint8Array(source.buffer, source.byteOffset, source.byteLength), pieceBytes);
  if (typeof Blob === 'function' && source instanceof Blob)
    return { total: source.size, chunks: fromStream(source.stream()) };
  if (source && typeof (/** @type {ReadableStream} */ (source).getReader) === 'function') {
    return { total: null, chunks: fromStream(/** @type {ReadableStream<Uint8Array>} */ (source)) };
  }
  if (source && typeof (/** @type {AsyncIterable<unknown>} */ (source)[Symbol.asyncIterator]) === 'function') {
    const iterable = /** @type {AsyncIterable<Uint8Array | string>} */ (source);
    return {
      total: null,
      chunks: (async function* () {
        for await (const c of iterable) yield typeof c === 'string' ? encoder.encode(c) : asBytes(c);
      })(),
    };
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
  return {
    total: bytes.length,
    chunks: (async function* () {
      for (let at = 0; at < bytes.length; at += pieceBytes) yield bytes.subarray(at, at + pieceBytes);
    })(),
  };
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
