import { describe, expect, it } from "vitest";
import { run, values } from "../testing.js";
import { personDetector } from "./person.js";

describe("person detector (heuristic)", () => {
  it("finds Chinese names after labels and before titles, including compound surnames", () => {
    expect(values(personDetector, "联系人：王秀英，电话")).toContain("王秀英");
    expect(values(personDetector, "⟨欧阳娜娜女士已到访")).toContain("欧阳娜娜");
    expect(values(personDetector, "我叫司马相如。")).toContain("司马相如");
    expect(values(personDetector, '{"姓名":"张伟"}')).toContain("张伟");
  });

  it("picks the name, not the word before it, in front of a title", () => {
    expect(values(personDetector, "感谢李明经理的支持")).toEqual(["李明"]);
    expect(values(personDetector, "请王秀英女士签字")).toContain("王秀英");
  });

  it("does not read everyday words as names", () => {
    expect(values(personDetector, "张开双臂，王者归来，李子很甜。向阳花木易为春，明月松间照。")).toEqual([]);
    expect(values(personDetector, "Grace Period ends in May; Will Power is a book.")).toEqual([]);
  });

  it("finds English names after titles, labels, greetings and by first-name dictionary", () => {
    expect(values(personDetector, "Dr. Emily Chen will review")).toContain("Emily Chen");
    expect(values(personDetector, "My name is Wei Zhang.")).toContain("Wei Zhang");
    expect(values(personDetector, "Hi Donnell McDermott, welcome")).toContain("Donnell McDermott");
    expect(values(personDetector, '{"customer":"Lenore Treutel-Leuschke"}')).toContain("Lenore Treutel-Leuschke");
    expect(values(personDetector, "Sarah O'Connor joined")).toContain("Sarah O'Connor");
    expect(values(personDetector, "He walked to Victoria Street")).toEqual([]);
  });

  it("scores context-free guesses lower than names with context", () => {
    const bare = run(personDetector, "，王秀英的快递到了", 0).find((r) => r.value === "王秀英");
    expect(bare!.score).toBeLessThan(0.85);
  });
});
