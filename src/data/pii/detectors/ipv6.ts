// IPV6: candidates are runs of hex groups and colons (optionally ending in an embedded IPv4 and a
// %zone); node's own parser (net.isIPv6) decides. Full 8-group forms score 0.95; compressed forms
// ("2001:db8::1", "::1") 0.85, two-group forms ("fe80::1", "938c::9f7e") 0.7 and only with both a
// digit and a hex letter — "dead::beef" in code and "1999::2000" ranges are skipped; clock times and
// MAC addresses do not parse.
import { isIPv6 } from "node:net";
import { execAll, textStats } from "../context.js";
import type { Detection, Detector, ScanInput } from "../types.js";

// Not glued to a word, a dot or a colon — except a label's colon ("IPv6:fe80::1", "ip:…", "addr:…").
const IPV6 =
  /(?<![0-9A-Za-z_.])(?:(?<=(?:IPv6|IPV6|ipv6|IP|ip|addr|address):)|(?<!:))(?:[0-9A-Fa-f]{1,4}|:)(?::[0-9A-Fa-f]{0,4}){1,7}(?:(?<=:)(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})?(?:%[0-9A-Za-z]{1,15})?(?![0-9A-Za-z_:]|\.\d)/g;

export const ipv6Detector: Detector = {
  name: "ipv6",
  types: ["IPV6"],
  detect(input: ScanInput): Detection[] {
    const { colons } = textStats(input);
    if (colons < 2) return [];
    const { norm } = input;
    // A valid address has "::" or at least six colons (six groups + an IPv4 tail, or eight groups);
    // labels and clock times ("电话: 10:30") have fewer, and the costly pattern is skipped for them.
    if (colons < 6 && !norm.includes("::")) return [];
    const out: Detection[] = [];
    for (const m of execAll(IPV6, norm)) {
      const value = m[0];
      const address = value.replace(/%.*$/, "");
      if (!isIPv6(address)) continue;
      const compressed = address.includes("::");
      const groups = address.split(":").filter((g) => g !== "").length;
      let score = compressed ? 0.85 : 0.95;
      // An embedded IPv4 ("::ffff:192.0.2.1") must outrank the IPv4 detection inside it.
      if (address.includes(".")) score = 0.95;
      // "a::b" with two short groups: fine when it has a digit ("fe80::1", "2001::7334"), a word
      // pair such as "dead::beef" or "add::cafe" is more likely code.
      else if (compressed && groups < 3 && !address.startsWith("::")) {
        if (!/\d/.test(address) || !/[a-f]/i.test(address)) continue;
        score = 0.7;
      }
      // Loopback and the unspecified address identify nobody.
      if (address === "::1" || address === "::") score = 0.3;
      out.push({ start: m.index, end: m.index + value.length, type: "IPV6", score, detector: "ipv6" });
    }
    return out;
  },
};
