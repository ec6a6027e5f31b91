import { describe, expect, it } from "vitest";
import { run, values } from "../testing.js";
import { ipv4Detector } from "./ipv4.js";

describe("IPv4 detector", () => {
  it("finds addresses with valid octets, with ports, CIDR and Chinese punctuation", () => {
    expect(values(ipv4Detector, "服务器10.0.0.254，端口8080。 192.168.1.1:22 10.0.0.0/8 end 8.8.8.8.")).toEqual([
      "10.0.0.254",
      "192.168.1.1",
      "10.0.0.0",
      "8.8.8.8",
    ]);
    expect(values(ipv4Detector, "登录地址１９２．１６８．１．２０")).toEqual(["１９２．１６８．１．２０"]);
  });

  it("rejects invalid octets, leading zeros and longer dotted runs", () => {
    expect(values(ipv4Detector, "256.1.1.1 01.02.03.04 1.2.3.4.5 2023.11.05.1 10.0.0")).toEqual([]);
  });

  it("treats version and section numbers as non-addresses", () => {
    expect(values(ipv4Detector, "v1.2.3.4 build1.2.3.4")).toEqual([]);
    expect(run(ipv4Detector, "version 1.2.3.4", 0)[0]!.score).toBeLessThan(0.5);
    expect(run(ipv4Detector, "see section 3.1.4.1", 0)[0]!.score).toBeLessThan(0.5);
    expect(values(ipv4Detector, "server 10.1.2.3")).toEqual(["10.1.2.3"]);
    expect(values(ipv4Detector, "bind 0.0.0.0 or 127.0.0.1, broadcast 255.255.255.255")).toEqual([]);
  });
});
