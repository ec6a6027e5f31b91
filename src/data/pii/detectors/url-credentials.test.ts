import { describe, expect, it } from "vitest";
import { values } from "../testing.js";
import { urlCredentialsDetector } from "./url-credentials.js";

describe("URL credentials detector", () => {
  it("finds user:password in the authority", () => {
    expect(values(urlCredentialsDetector, "postgres://app:s3cr3t@db.internal:5432/x")).toEqual(["app:s3cr3t"]);
    expect(values(urlCredentialsDetector, "git clone https://bob:pa#ss@host.example/repo.git")).toEqual(["bob:pa#ss"]);
    expect(values(urlCredentialsDetector, "redis://:s3cretPw@cache:6379/0")).toEqual([":s3cretPw"]);
    expect(values(urlCredentialsDetector, "连接串：mysql://root:pw123456@10.0.0.2/db，请勿外传")).toEqual([
      "root:pw123456",
    ]);
  });

  it("finds credential query parameters but not other parameters", () => {
    expect(
      values(urlCredentialsDetector, "https://a.example/cb?page=2&access_token=ya29A0ARrdaM8kF2xq&sort=asc"),
    ).toEqual(["ya29A0ARrdaM8kF2xq"]);
    expect(values(urlCredentialsDetector, "https://a.example/x?password=S3cure!Pass.")).toEqual(["S3cure!Pass"]);
    expect(values(urlCredentialsDetector, '{"url":"https://a.cn/?token=abc123def"}')).toEqual(["abc123def"]);
    expect(values(urlCredentialsDetector, "https://a.cn/?token=abc123def，谢谢")).toEqual(["abc123def"]);
  });

  it("ignores URLs without credentials and prose", () => {
    expect(values(urlCredentialsDetector, "https://bob@example.com/ https://example.com/?page=2 password=?")).toEqual(
      [],
    );
  });
});
