// Fast non-cryptographic hashing for dedup indexes: MurmurHash3's 32-bit mixing over UTF-16 code
// units (no UTF-8 encoding step), two independently seeded lanes for a 64-bit key, and a compact
// open-addressing set of 64-bit keys (9 bytes per slot instead of ~80 per string in a Set).

/** MurmurHash3's finaliser: a bijective 32-bit mix with full avalanche. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MurmurHash3 (x86, 32-bit) over the string's UTF-16 code units, two at a time. */
export function hashString32(text: string, seed = 0): number {
  let h = seed | 0;
  const n = text.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let k = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    let k = text.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  return fmix32(h ^ (n * 2));
}

/** Combines two 32-bit hashes (order matters). */
export function combine32(a: number, b: number): number {
  let k = Math.imul(b, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let h = a ^ k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) >>> 0;
}

const SEED_A = 0x9747b28c;
const SEED_B = 0x5bd1e995;

/**
 * A 64-bit key as two 32-bit halves (two differently seeded MurmurHash3-style lanes in one pass);
 * for 10^8 distinct texts the chance of any collision is ~3·10^-4.
 */
export function hash64(text: string): [number, number] {
  let a = SEED_A;
  let b = SEED_B;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0xcc9e2d51);
    a = (a << 13) | (a >>> 19);
    a = (Math.imul(a, 5) + 0xe6546b64) | 0;
    b = Math.imul(b ^ c, 0x1b873593);
    b = (b << 15) | (b >>> 17);
    b = (Math.imul(b, 5) + 0x561ccd1b) | 0;
  }
  return [fmix32(a ^ n), fmix32(b ^ Math.imul(n, 31))];
}

/**
 * A set of 64-bit keys in two parallel Uint32Arrays with linear probing, kept at most half full:
 * 9 bytes per slot, so 18–36 bytes per key (plus a transient copy while it grows).
 */
export class HashSet64 {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private used: Uint8Array;
  private count = 0;

  constructor(initialCapacity = 1024) {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.used = new Uint8Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Approximate bytes held by the set. */
  get bytes(): number {
    return this.hi.byteLength + this.lo.byteLength + this.used.byteLength;
  }

  /** Adds the key; returns false when it was already present. */
  add(hi: number, lo: number): boolean {
    if ((this.count + 1) * 2 > this.hi.length) this.grow();
    const inserted = this.insert(hi >>> 0, lo >>> 0);
    if (inserted) this.count++;
    return inserted;
  }

  has(hi: number, lo: number): boolean {
    const mask = this.hi.length - 1;
    let slot = fmix32(lo ^ hi) & mask;
    while (this.used[slot]) {
      if (this.hi[slot] === hi >>> 0 && this.lo[slot] === lo >>> 0) return true;
      slot = (slot + 1) & mask;
    }
    return false;
  }

  private insert(hi: number, lo: number): boolean {
    const mask = this.hi.length - 1;
    let slot = fmix32(lo ^ hi) & mask;
    while (this.used[slot]) {
      if (this.hi[slot] === hi && this.lo[slot] === lo) return false;
      slot = (slot + 1) & mask;
    }
    this.used[slot] = 1;
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    return true;
  }

  private grow(): void {
    const { hi, lo, used } = this;
    const capacity = hi.length * 2;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.used = new Uint8Array(capacity);
    for (let i = 0; i < hi.length; i++) if (used[i]) this.insert(hi[i]!, lo[i]!);
  }
}
