// The PII detection contract shared by every detector, the CLI, dataset pipelines and the gateway's
// guardrails. Offsets are JavaScript string indices (UTF-16 code units) into the ORIGINAL text, so
// `text.slice(d.start, d.end)` is always the detected value, whatever normalisation matching used.

export const PII_TYPES = [
  "EMAIL",
  "PHONE",
  "CN_ID",
  "CREDIT_CARD",
  "IBAN",
  "IPV4",
  "IPV6",
  "URL_CREDENTIALS",
  "SECRET",
  "PERSON",
  "ADDRESS",
] as const;

export type PiiType = (typeof PII_TYPES)[number];

/** The types found by format and checksum rather than by dictionaries and context. */
export const STRUCTURED_PII_TYPES: readonly PiiType[] = [
  "EMAIL",
  "PHONE",
  "CN_ID",
  "CREDIT_CARD",
  "IBAN",
  "IPV4",
  "IPV6",
] as const;

export interface Detection {
  /** First UTF-16 code unit of the value in the original text. */
  start: number;
  /** One past the last code unit (`text.slice(start, end)` is the value). */
  end: number;
  type: PiiType;
  /**
   * Confidence in [0, 1]. Rough scale: ≥ 0.95 format plus checksum (or an unambiguous prefix such as
   * `AKIA…`); 0.8–0.9 a strict format without a checksum; 0.5–0.8 heuristics with supporting context;
   * below 0.5 guesses that only a recall-hungry caller should keep.
   */
  score: number;
  /** Which detector (and rule) produced it, for debugging and for per-rule thresholds. */
  detector: string;
}

/** What a detector sees: the original text and a same-length folded copy to match against. */
export interface ScanInput {
  readonly text: string;
  /**
   * `text` with full-width ASCII, ideographic space, no-break spaces and Unicode dashes folded to
   * ASCII one code unit for one code unit, so every index in `norm` is the same index in `text`.
   */
  readonly norm: string;
  /**
   * Character statistics of `norm`, computed once per text by `detectPii` (in the pass that folds it)
   * so detectors skip patterns the text cannot match; computed on demand when absent (`textStats`).
   */
  readonly stats?: TextStats;
}

/** What the detectors' gates need to know about a (folded) text. */
export interface TextStats {
  /** ASCII digits. */
  readonly digits: number;
  /** The longest run of consecutive ASCII digits. */
  readonly longestDigitRun: number;
  readonly colons: number;
  readonly hasAt: boolean;
  readonly hasDot: boolean;
  readonly hasPlus: boolean;
  /** A CJK unified ideograph (U+4E00–U+9FFF). */
  readonly hasHan: boolean;
  /** 号, the house-number marker of Chinese addresses. */
  readonly hasHao: boolean;
}

export interface Detector {
  /** Stable name, e.g. "cn-id"; detections carry it (with a rule suffix) in `detector`. */
  readonly name: string;
  /** The types it can report; `detectPii` skips detectors none of whose types are wanted. */
  readonly types: readonly PiiType[];
  detect(input: ScanInput): Detection[];
}

export function isPiiType(value: string): value is PiiType {
  return (PII_TYPES as readonly string[]).includes(value);
}
