// @ts-check
// Compressed sources (SPEC §6.1): gzip (also several members back to back) and zip (entries in
// name order, each possibly gzip), recognised by their first bytes whatever the file is called.
// gzip is inflated by Node's zlib under Node and by fflate elsewhere (a browser's
// DecompressionStream stops at the first member); zip entries are listed and inflated by fflate.
// Nothing here is a hand-written inflate.

/**
 * @param {Uint8Array} bytes  the first bytes of a source
 * @returns {'gzip' | 'zip' | null}
 */
export function compression(bytes) {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip';
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4) return 'zip';
  return null;
}

/** A corrupt or truncated archive: the rows before it are kept. */
export class ArchiveError extends Error {}

const host = /** @type {{ process?: { versions?: { node?: string } }, window?: unknown }} */ (globalThis);
const isNode =
  typeof host.process === 'object' &&
  typeof host.process.versions?.node === 'string' &&
  typeof host.window === 'undefined';

// Node's own modules, by a computed name so that a bundler for the browser leaves them alone.
/** @param {string} name @returns {Promise<any>} */
const nodeModule = (name) => import(/* @vite-ignore */ name);

/**
 * The decompressed bytes of a gzip source, chunk by chunk. `counts.in` / `counts.out` say how
 * far it got (for the message of an ArchiveError).
 * @param {AsyncIterable<Uint8Array>} chunks
 * @param {{ in: number, out: number }} counts
 * @returns {AsyncGenerator<Uint8Array>}
 */
export async function* gunzip(chunks, counts) {
  /** @param {unknown} e */
  const broken = (e) => {
    const why = e instanceof Error ? e.message : String(e);
    const truncated = /unexpected (end|EOF)/i.test(why);
    return new ArchiveError(
      `${truncated ? 'truncated' : 'corrupt'} gzip data (${why}) after ${counts.in} compressed bytes ` +
        `(${counts.out} bytes decompressed)`,
    );
  };
  if (isNode) {
    const zlib = await nodeModule('node:zlib');
    const { Readable } = await nodeModule('node:stream');
    const counted = async function* () {
      for await (const c of chunks) {
        counts.in += c.length;
        yield c;
      }
    };
    const z = Readable.from(counted()).pipe(zlib.createGunzip());
    try {
      for await (const d of z) {
        const out = d instanceof Uint8Array ? d : new Uint8Array(d);
        counts.out += out.length;
        yield out;
      }
    } catch (e) {
      if (/** @type {{ code?: string }} */ (e)?.code?.startsWith?.('Z_')) throw broken(e);
      throw e;
    }
    return;
  }
  const { Gunzip } = await import('fflate');
  /** @type {Uint8Array[]} */
  let out = [];
  const g = new Gunzip((d) => {
    if (d.length) out.push(d);
  });
  const take = function* () {
    for (const d of out) {
      counts.out += d.length;
      yield d;
    }
    out = [];
  };
  for await (const c of chunks) {
    counts.in += c.length;
    try {
      g.push(c, false);
    } catch (e) {
      throw broken(e);
    }
    yield* take();
  }
  try {
    g.push(new Uint8Array(0), true);
  } catch (e) {
    throw broken(e);
  }
  yield* take();
}

/**
 * A zip archive's file entries in name order, each inflated when it is read.
 * @param {Uint8Array} bytes  the whole archive (its directory is at the end)
 * @returns {Promise<{ name: string, read: () => Uint8Array }[]>}
 */
export async function zipEntries(bytes) {
  const { unzipSync } = await import('fflate');
  /** @type {string[]} */
  const names = [];
  try {
    unzipSync(bytes, {
      filter: (f) => {
        if (!f.name.endsWith('/')) names.push(f.name);
        return false;
      },
    });
  } catch (e) {
    throw new ArchiveError(`not a readable zip archive (${e instanceof Error ? e.message : e})`);
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((name) => ({
    name,
    read: () => {
      try {
        return unzipSync(bytes, { filter: (f) => f.name === name })[name];
      } catch (e) {
        throw new ArchiveError(`corrupt zip entry ${name} (${e instanceof Error ? e.message : e})`);
      }
    },
  }));
}
