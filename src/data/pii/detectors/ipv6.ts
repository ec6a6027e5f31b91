// IPV6: candidates are runs of hex groups and colons (optionally ending in an embedded IPv4 and a
// %zone); node's own parser (net.isIPv6) decides. Full 8-group forms score 0.95; compressed forms
// ("2001:db8::1", "::1", "fe80::1%eth0") 0.85. Runs that parse but carry little information — fewer
// than three groups and no "::" prefix, e.g. "dead::beef" or "a::b" in code — are skipped, and so are
// clock times and MAC addresses, which do not parse.
import { isIPv6 } from "node:net";
import { execAll } from "../context.js";
import type { Detection, Detector, ScanInput } from "../types.js";

const IPV6 =
  /(?<![0-9A-Za-z_:.])(?:[0-9A-Fa-f]{1,4}|:)(?::[0-9A-Fa-f]{0,4}){1,7}(?:(?<=:)(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})?(?:%[0-9A-Za-z]{1,15})?(?![0-9A-Za-z_:]|\.\d)/g;

export const ipv6Detector: Detector = {
  name: "ipv6",
  types: ["IPV6"],
  detect({ norm }: ScanInput): Detection[] {
    if (!norm.includes(":")) return [];
    const out: Detection[] = [];
    for (const m of execAll(IPV6, norm)) {
      const value = m[0];
      const address = value.replace(/%.*$/, "");
      if (!isIPv6(address)) continue;
      const compressed = address.includes("::");
      const groups = address.split(":").filter((g) => g !== "").length;
      if (compressed && groups < 3 && !address.startsWith("::")) continue;
      out.push({
        start: m.index,
        end: m.index + value.length,
        type: "IPV6",
        score: compressed ? 0.85 : 0.95,
        detector: "ipv6",
      });
    }
    return out;
  },
};
