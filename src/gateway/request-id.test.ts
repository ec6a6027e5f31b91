import { decodeTime, isValid } from "ulid";
import { describe, expect, it } from "vitest";
import { requestId } from "./request-id.js";

describe("requestId", () => {
  it("makes valid, unique ULIDs that sort by time", () => {
    const ids = Array.from({ length: 5000 }, () => requestId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 50)) expect(isValid(id)).toBe(true);
    expect(decodeTime(requestId(1_700_000_000_123))).toBe(1_700_000_000_123);
    expect(requestId(1000) < requestId(2000)).toBe(true);
    expect(requestId(0)).toMatch(/^0{10}[0-9A-HJKMNP-TV-Z]{16}$/);
  });
});
