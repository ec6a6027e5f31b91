// Small helpers detectors use to look around a candidate: the words just before it raise or lower
// confidence ("电话"/"phone" vs "订单号"/"order no."), and boundary checks keep matches from starting
// or ending inside a longer token.

import { computeTextStats } from "./normalize.js";
import type { ScanInput, TextStats } from "./types.js";

/** Lower-cased folded text in the `width` code units before `start`. */
export function before(norm: string, start: number, width: number): string {
  return norm.slice(Math.max(0, start - width), start).toLowerCase();
}

/** Lower-cased folded text in the `width` code units after `end`. */
export function after(norm: string, end: number, width: number): string {
  return norm.slice(end, end + width).toLowerCase();
}

/** Words that introduce an identifier that is not personal data (order, invoice, tracking numbers). */
export const NOT_PII_CONTEXT =
  /(订单|单号|编号|流水|批次|序列|条码|快递|运单|发票|工单|票号|型号|版本|order|invoice|tracking|serial|ref(?:erence)?|sku|ticket|build|version|ver\.?|txn|transaction|no\.|#)\s*[:：#]?\s*$/;

export const clamp01 = (value: number) => Math.min(1, Math.max(0, value));

/** ASCII letter or digit (the characters that would make a match part of a longer token). */
export function isAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The input's TextStats: shared ones from `detectPii`, or computed here (a detector called alone). */
export function textStats(input: ScanInput): TextStats {
  return input.stats ?? computeTextStats(input.norm);
}

/**
 * execAll for a pattern whose left boundary is checked here instead of by a leading `(?<![…])`: a
 * match right after a character `glued` accepts is dropped and the search resumes one position later,
 * which finds exactly what the lookbehind version finds — but a pattern that starts with a concrete
 * character lets V8 skip ahead to candidate positions, while a leading lookbehind makes it try every one.
 */
export function execAllUnglued(re: RegExp, s: string, glued: (code: number) => boolean): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    if (m.index > 0 && glued(s.charCodeAt(m.index - 1))) re.lastIndex = m.index + 1;
    else out.push(m);
  }
  return out;
}

/**
 * All matches of a global regex, without String.prototype.matchAll: matchAll clones the RegExp on
 * every call, which on short texts (one chat message, one JSONL row) cost more than the matching.
 * Not re-entrant for the same regex object (no detector nests a regex inside its own loop).
 */
export function execAll(re: RegExp, s: string): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) out.push(m);
  return out;
}
