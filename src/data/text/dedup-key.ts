// The identity exact deduplication compares. Normalised (the default): NFKC and lower case, with
// punctuation, symbols and whitespace ignored except that a run of them separates words — so
// "Hello,  World!" equals "hello world" but not "helloworld". Hashed straight from the characters
// to 64 bits (two MurmurHash3-style lanes) without building the normalised string.
import { isContent } from "./chars.js";
import { fmix32 } from "./hash.js";

const SEPARATOR = 0x20;

export function dedupHash(text: string, normalise = true): [number, number] {
  const t = normalise ? text.normalize("NFKC").toLowerCase() : text;
  let a = 0x9747b28c;
  let b = 0x5bd1e995;
  let gap = false;
  let count = 0;
  for (let i = 0; i < t.length; i++) {
    let c = t.charCodeAt(i);
    if (normalise && !isContent(c)) {
      gap = count > 0;
      continue;
    }
    if (gap) {
      // One separator for the run, then the character itself on the next pass of this loop.
      c = SEPARATOR;
      i--;
      gap = false;
    }
    count++;
    a = Math.imul(a ^ c, 0xcc9e2d51);
    a = (a << 13) | (a >>> 19);
    a = (Math.imul(a, 5) + 0xe6546b64) | 0;
    b = Math.imul(b ^ c, 0x1b873593);
    b = (b << 15) | (b >>> 17);
    b = (Math.imul(b, 5) + 0x561ccd1b) | 0;
  }
  return [fmix32(a ^ count), fmix32(b ^ (count * 31))];
}
