// A small seeded PRNG so that the same seed always gives the same bytes, on any machine and
// any Node version (Math.random can't be seeded). xoshiro128** for the stream, seeded through
// a splitmix-style mixer so that neighbouring seeds give unrelated streams.

// Mixes a 32-bit value into a well-scrambled 32-bit value (a bijection: distinct in, distinct out).
export function mix32(x) {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

// Combines any number of integers into one 32-bit seed (order matters).
export function hashSeed(...parts) {
  let h = 0x2545f491;
  for (const p of parts) h = mix32((h ^ mix32((p >>> 0) + 0x9e3779b9)) + 0x632be5ab);
  return h;
}

const rotl = (x, k) => (x << k) | (x >>> (32 - k));

export class Rng {
  constructor(seed) {
    // Four words from a Weyl sequence through the mixer; never all zero.
    let w = seed >>> 0;
    const next = () => mix32((w = (w + 0x9e3779b9) >>> 0));
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
  }

  // Uniform 32-bit unsigned integer.
  u32() {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  // Uniform in [0, 1).
  next() {
    return this.u32() / 4294967296;
  }
  chance(p) {
    return this.next() < p;
  }
  // Integer in [lo, hi], both inclusive.
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  uniform(lo, hi) {
    return lo + this.next() * (hi - lo);
  }
  pick(arr) {
    return arr[Math.floor(this.next() * arr.length)];
  }

  // Picks a key of {key: weight}; weights need not sum to 1.
  weighted(table) {
    let total = 0;
    for (const k in table) total += table[k];
    let x = this.next() * total;
    let last;
    for (const k in table) {
      last = k;
      x -= table[k];
      if (x < 0) return k;
    }
    return last;
  }

  normal(mean = 0, sd = 1) {
    // Box-Muller; 1 - u keeps the log finite.
    const u = 1 - this.next(),
      v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  logNormal(median, sigma) {
    return median * Math.exp(this.normal(0, sigma));
  }

  // Poisson count; rates here are small, so the multiplication method is exact and quick.
  poisson(lambda) {
    if (lambda <= 0) return 0;
    if (lambda > 30) return Math.max(0, Math.round(this.normal(lambda, Math.sqrt(lambda))));
    const limit = Math.exp(-lambda);
    let k = 0,
      p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }
}
