// The text exact deduplication compares: NFKC, lower case, and any run of whitespace, punctuation
// or symbols as one space, so "Hello,  World!" and "hello world" are the same text.
const SEPARATORS = /[\s\p{P}\p{S}]+/gu;

export function dedupKey(text: string, normalise = true): string {
  return normalise ? text.normalize("NFKC").toLowerCase().replace(SEPARATORS, " ").trim() : text;
}
