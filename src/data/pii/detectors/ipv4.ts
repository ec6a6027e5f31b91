// IPV4: dotted-quad addresses with octets 0–255 and no leading zeros (01.02.03.04 reads as a date or
// a code, and some parsers treat it as octal). Decision on version numbers: a quad glued to a letter
// ("v1.2.3.4", "build1.2.3.4") or continuing with another ".digit" ("1.2.3.4.5") is not an address;
// one right after a version word ("version 1.2.3.4", "版本 1.2.3.4") is kept at 0.3, below the default
// minScore — a real address can follow such a word, but far more often it is a version. Loopback
// (127.x), 0.0.0.0 and 255.255.255.255 get the same low score.
import { before, execAll, textStats } from "../context.js";
import type { Detection, Detector, ScanInput } from "../types.js";

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`(?<![0-9A-Za-z_.])${OCTET}(?:\\.${OCTET}){3}(?![0-9A-Za-z_]|\\.\\d)`, "g");
// Version words, and numbering of sections/rules ("section 3.1.4.1", "第3.1.2.4条").
// Loopback, "any" and broadcast addresses identify no host or person (they fill config examples).
const NOBODY = /^(?:127\.|0\.0\.0\.0$|255\.255\.255\.255$)/;
const VERSION_CONTEXT =
  /(?:\b(?:version|ver\.?|release|build|v|section|sec\.|chapter|clause|article|step|figure|fig\.|table)|版本号?|§|第|章节?|条)\s*[:：]?\s*$/;

export const ipv4Detector: Detector = {
  name: "ipv4",
  types: ["IPV4"],
  detect(input: ScanInput): Detection[] {
    const { norm } = input;
    const stats = textStats(input);
    if (stats.digits < 4 || !stats.hasDot) return [];
    const out: Detection[] = [];
    for (const m of execAll(IPV4, norm)) {
      const score = VERSION_CONTEXT.test(before(norm, m.index, 12)) || NOBODY.test(m[0]) ? 0.3 : 0.9;
      out.push({ start: m.index, end: m.index + m[0].length, type: "IPV4", score, detector: "ipv4" });
    }
    return out;
  },
};
