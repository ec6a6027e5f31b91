// Helpers shared by the sampling methods: seeded subset draws and the sample count within budget.
import { mulberry32 } from "../../util/random.js";
import type { Mask } from "../types.js";

export function rng(seed: number): () => number {
  return mulberry32(seed);
}

/** A mask with exactly `keep` of n features kept, chosen uniformly (partial Fisher–Yates). */
export function randomMask(n: number, keep: number, random: () => number): Mask {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < keep; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = idx[i] as number;
    idx[i] = idx[j] as number;
    idx[j] = t;
  }
  const m = new Uint8Array(n);
  for (let i = 0; i < keep; i++) m[idx[i] as number] = 1;
  return m;
}

export function complement(m: Mask): Mask {
  const c = new Uint8Array(m.length);
  for (let i = 0; i < m.length; i++) c[i] = m[i] ? 0 : 1;
  return c;
}

export function maskKey(m: Mask): string {
  return Buffer.from(m).toString("base64");
}

/**
 * How many samples to draw: what was asked for, cut to what the budget leaves after `reserved`
 * evaluations. Returns the count and whether it was cut.
 */
export function samplesWithin(
  asked: number,
  remaining: number,
  reserved: number,
): { samples: number; truncated: boolean } {
  const room = Math.max(0, Math.floor(remaining - reserved));
  return asked <= room ? { samples: asked, truncated: false } : { samples: room, truncated: true };
}
