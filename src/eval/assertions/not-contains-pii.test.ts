import { describe, expect, it } from "vitest";
import { grade } from "./testing.js";

describe("not-contains-pii", () => {
  it("not-contains-pii finds checksummed IDs and e-mails, names types never values", async () => {
    expect((await grade({ type: "not-contains-pii" }, "The weather is nice today.")).pass).toBe(true);
    const leak = await grade({ type: "not-contains-pii" }, "联系 zhang.wei@example.com，身份证 11010519491231002X");
    expect(leak.pass).toBe(false);
    expect(leak.reason).toMatch(/EMAIL/);
    expect(leak.reason).toMatch(/CN_ID/);
    expect(leak.reason).not.toContain("example.com");
    expect((await grade({ type: "not-contains-pii", types: ["PHONE"] }, "mail a@b.com")).pass).toBe(true);
  });
});
