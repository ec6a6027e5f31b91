// EMAIL: RFC 5322 "dot-atom" addresses with an ASCII local part and a dotted domain ending in a
// letters-only TLD. Internationalised local parts (张三@例子.中国) are not matched: allowing CJK in the
// local part would swallow the Chinese words before an address ("请发邮件至zhang@qq.com").
import { execAll, textStats } from "../context.js";
import type { Detection, Detector, ScanInput } from "../types.js";

const EMAIL =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9_](?:[A-Za-z0-9._%+-]{0,63})@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;

/** True when `start` lies in the authority of a URL (`scheme://user@host`): that is a login, not an address. */
function insideUrlAuthority(norm: string, start: number): boolean {
  let i = start - 1;
  const limit = Math.max(0, start - 200);
  while (i >= limit) {
    const ch = norm.charCodeAt(i);
    // whitespace, quotes, brackets or "/" end the search: "//" is the only way into an authority.
    if (ch <= 32 || ch === 34 || ch === 39 || ch === 60 || ch === 62) return false;
    if (ch === 47 /* / */) return i > 0 && norm.charCodeAt(i - 1) === 47 && norm.charCodeAt(i - 2) === 58;
    i--;
  }
  return false;
}

export const emailDetector: Detector = {
  name: "email",
  types: ["EMAIL"],
  detect(input: ScanInput): Detection[] {
    if (!textStats(input).hasAt) return [];
    const { norm } = input;
    const out: Detection[] = [];
    for (const m of execAll(EMAIL, norm)) {
      const value = m[0];
      const start = m.index;
      const at = value.indexOf("@");
      const local = value.slice(0, at);
      if (local.endsWith(".") || local.includes("..")) continue;
      if (insideUrlAuthority(norm, start)) continue;
      out.push({ start, end: start + value.length, type: "EMAIL", score: 0.95, detector: "email" });
    }
    return out;
  },
};
