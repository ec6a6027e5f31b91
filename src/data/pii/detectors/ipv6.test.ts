import { describe, expect, it } from "vitest";
import { run, values } from "../testing.js";
import { ipv6Detector } from "./ipv6.js";

describe("IPv6 detector", () => {
  it("finds full and compressed forms, zones and embedded IPv4", () => {
    expect(values(ipv6Detector, "full 2001:0db8:85a3:0000:0000:8a2e:0370:7334.")).toEqual([
      "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
    ]);
    expect(values(ipv6Detector, "ll fe80::1ff:fe23:4567:890a%eth0, net 2001:db8::/32")).toEqual([
      "fe80::1ff:fe23:4567:890a%eth0",
      "2001:db8::",
    ]);
    // Loopback is found but scored below the default threshold: it identifies nobody.
    expect(run(ipv6Detector, "lo ::1", 0)[0]!.score).toBeLessThan(0.5);
    expect(values(ipv6Detector, "[2001:db8::8a2e:370:7334]:8080")).toEqual(["2001:db8::8a2e:370:7334"]);
    const [mapped] = run(ipv6Detector, "::ffff:192.0.2.128");
    expect(mapped!.value).toBe("::ffff:192.0.2.128");
    expect(mapped!.score).toBeGreaterThan(0.9); // outranks the IPv4 inside it
    expect(values(ipv6Detector, "来源IPv6：fe80::1。")).toEqual(["fe80::1"]);
  });

  it("rejects times, MAC addresses, code and number ranges", () => {
    expect(values(ipv6Detector, "12:30:45 00:1A:2B:3C:4D:5E std::vector dead::beef 1999::2000 1:2:3")).toEqual([]);
  });
});
