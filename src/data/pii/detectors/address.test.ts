import { describe, expect, it } from "vitest";
import { values } from "../testing.js";
import { addressDetector } from "./address.js";

describe("address detector (heuristic)", () => {
  it("finds Chinese addresses with administrative divisions and unit details", () => {
    expect(values(addressDetector, "收件人：李四，北京市朝阳区建国路88号3号楼2单元501室，电话")).toEqual([
      "北京市朝阳区建国路88号3号楼2单元501室",
    ]);
    expect(values(addressDetector, "我住在上海市浦东新区张江路123弄4号，邮编201203。")).toEqual([
      "上海市浦东新区张江路123弄4号",
    ]);
    expect(values(addressDetector, "地址：江西省诸京市阎巷956号 公寓 814。")).toEqual([
      "江西省诸京市阎巷956号 公寓 814",
    ]);
  });

  it("keeps only the street when there is no administrative division", () => {
    expect(values(addressDetector, "他家在中山北路25号")).toEqual(["中山北路25号"]);
  });

  it("does not read dates, ordinals or metro lines as addresses", () => {
    expect(values(addressDetector, "11月5号见，第3号选手，地铁5号线，北京市地铁5号线")).toEqual([]);
  });

  it("finds US street addresses with units, city lines and P.O. boxes", () => {
    expect(values(addressDetector, "ship to 1600 Amphitheatre Parkway, Mountain View, CA 94043 by Friday")).toEqual([
      "1600 Amphitheatre Parkway, Mountain View, CA 94043",
    ]);
    expect(values(addressDetector, "at 945 E Washington Street Apt. 605.")).toEqual([
      "945 E Washington Street Apt. 605",
    ]);
    expect(values(addressDetector, "30416 S Broadway Suite 484")).toEqual(["30416 S Broadway Suite 484"]);
    expect(values(addressDetector, "9765 6th Avenue")).toEqual(["9765 6th Avenue"]);
    expect(values(addressDetector, "Send mail to P.O. Box 4521 instead")).toEqual(["P.O. Box 4521"]);
  });

  it("ignores numbers followed by ordinary capitalised words", () => {
    expect(values(addressDetector, "In 2023 Spring Festival, 3 Little Pigs and 5 Star Hotel")).toEqual([]);
  });
});
