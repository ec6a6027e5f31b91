// Locality-sensitive hashing over MinHash signatures, and the near-duplicate index built on it.
// The signature is cut into b bands of r values; two documents become candidates when any band
// matches, which happens with probability 1 − (1 − J^r)^b. Candidates are then verified with
// the whole signature, so precision comes from verification and recall from the banding.
//
// Memory per indexed document (documented for the pipeline step): k × 2 bytes for the stored
// 16-bit signature (used to verify candidates) plus b band entries of 8 bytes in tables kept at
// most half full; the arrays grow by doubling, so with k = 128 and the 14 bands chosen for
// threshold 0.8 that is 256–512 + 224–448 bytes, i.e. 0.5–1 KB per kept row (measured: 127 MB for
// 157k kept rows of the bench corpus, ~0.8 KB per row).
import { combine32, fmix32 } from "./hash.js";

/**
 * Chooses bands × rows ≤ numPerm minimising the weighted false-positive and false-negative areas of
 * the S-curve. False negatives weigh 9× more by default: every candidate is verified against the
 * whole signature, so extra candidates cost a little time while a missed one is lost for good.
 */
export function optimalBands(
  threshold: number,
  numPerm: number,
  fpWeight = 0.1,
  fnWeight = 0.9,
): { bands: number; rows: number } {
  let best = { bands: 1, rows: numPerm, error: Number.POSITIVE_INFINITY };
  for (let b = 1; b <= numPerm; b++) {
    for (let r = 1; r * b <= numPerm; r++) {
      const p = (s: number) => 1 - (1 - s ** r) ** b;
      const fp = integrate(p, 0, threshold);
      const fn = integrate((s) => 1 - p(s), threshold, 1);
      const error = fp * fpWeight + fn * fnWeight;
      if (error < best.error) best = { bands: b, rows: r, error };
    }
  }
  return { bands: best.bands, rows: best.rows };
}

function integrate(f: (x: number) => number, a: number, b: number, steps = 64): number {
  const h = (b - a) / steps;
  let sum = (f(a) + f(b)) / 2;
  for (let i = 1; i < steps; i++) sum += f(a + i * h);
  return sum * h;
}

/** A multimap from 32-bit band keys to document ids: linear probing over two Uint32Arrays. */
class BandTable {
  private keys = new Uint32Array(1024);
  private ids = new Uint32Array(1024); // id + 1; 0 = empty
  private size = 0;

  get bytes(): number {
    return this.keys.byteLength + this.ids.byteLength;
  }

  add(key: number, id: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    this.put(key, id + 1);
    this.size++;
  }

  forEach(key: number, visit: (id: number) => void): void {
    const mask = this.keys.length - 1;
    let slot = fmix32(key) & mask;
    while (this.ids[slot] !== 0) {
      if (this.keys[slot] === key) visit(this.ids[slot]! - 1);
      slot = (slot + 1) & mask;
    }
  }

  private put(key: number, stored: number): void {
    const mask = this.keys.length - 1;
    let slot = fmix32(key) & mask;
    while (this.ids[slot] !== 0) slot = (slot + 1) & mask;
    this.keys[slot] = key;
    this.ids[slot] = stored;
  }

  private grow(): void {
    const { keys, ids } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.ids = new Uint32Array(keys.length * 2);
    for (let i = 0; i < keys.length; i++) if (ids[i] !== 0) this.put(keys[i]!, ids[i]!);
  }
}

export interface NearDuplicateIndexOptions {
  numPerm: number;
  threshold: number;
  bands?: number | undefined;
  rows?: number | undefined;
}

export class NearDuplicateIndex {
  readonly numPerm: number;
  readonly threshold: number;
  readonly bands: number;
  readonly rows: number;
  private readonly tables: BandTable[];
  private signatures = new Uint16Array(0);
  private count = 0;
  private stamp = new Uint32Array(0);
  private generation = 0;

  constructor(options: NearDuplicateIndexOptions) {
    this.numPerm = options.numPerm;
    this.threshold = options.threshold;
    const chosen =
      options.bands && options.rows
        ? { bands: options.bands, rows: options.rows }
        : optimalBands(options.threshold, options.numPerm);
    if (chosen.bands * chosen.rows > this.numPerm) throw new Error("bands × rows must not exceed numPerm");
    this.bands = chosen.bands;
    this.rows = chosen.rows;
    this.tables = Array.from({ length: this.bands }, () => new BandTable());
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the index (signatures, band tables, candidate stamps). */
  get bytes(): number {
    return this.signatures.byteLength + this.stamp.byteLength + this.tables.reduce((sum, t) => sum + t.bytes, 0);
  }

  /** Indexes a signature; returns its id (0, 1, …). */
  add(sig: Uint32Array): number {
    const id = this.count++;
    const k = this.numPerm;
    if (this.signatures.length < this.count * k) {
      const grown = new Uint16Array(Math.max(this.count * k, this.signatures.length * 2, 1024 * k));
      grown.set(this.signatures);
      this.signatures = grown;
      const stamps = new Uint32Array(grown.length / k);
      stamps.set(this.stamp);
      this.stamp = stamps;
    }
    for (let i = 0; i < k; i++) this.signatures[id * k + i] = sig[i]! & 0xffff;
    for (let b = 0; b < this.bands; b++) this.tables[b]!.add(this.bandKey(sig, b), id);
    return id;
  }

  /** Ids sharing at least one band with the signature, each once. */
  candidates(sig: Uint32Array): number[] {
    const out: number[] = [];
    const generation = ++this.generation;
    for (let b = 0; b < this.bands; b++) {
      this.tables[b]!.forEach(this.bandKey(sig, b), (id) => {
        if (this.stamp[id] !== generation) {
          this.stamp[id] = generation;
          out.push(id);
        }
      });
    }
    return out;
  }

  /** Estimated Jaccard similarity between a signature and an indexed document. */
  similarity(sig: Uint32Array, id: number): number {
    const k = this.numPerm;
    const base = id * k;
    let same = 0;
    for (let i = 0; i < k; i++) if ((sig[i]! & 0xffff) === this.signatures[base + i]) same++;
    // 16-bit values collide by chance with probability 2^-16; remove that bias.
    const chance = 1 / 65536;
    return Math.max(0, (same / k - chance) / (1 - chance));
  }

  /** The most similar indexed document at or above the threshold, or null. */
  findDuplicate(sig: Uint32Array): { id: number; similarity: number } | null {
    let best: { id: number; similarity: number } | null = null;
    for (const id of this.candidates(sig)) {
      const similarity = this.similarity(sig, id);
      if (similarity >= this.threshold && (!best || similarity > best.similarity)) best = { id, similarity };
    }
    return best;
  }

  private bandKey(sig: Uint32Array, band: number): number {
    let h = band * 0x9e3779b1;
    const start = band * this.rows;
    for (let i = start; i < start + this.rows; i++) h = combine32(h, sig[i]!);
    return fmix32(h);
  }
}
