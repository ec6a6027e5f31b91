import { describe, expect, it } from "vitest";
import { values } from "../testing.js";
import { secretDetector } from "./secret.js";

describe("secret detector", () => {
  it("finds keys with known prefixes", () => {
    const text = [
      "AKIAIOSFODNN7EXAMPLE",
      "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
      "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
      "sk_live_51HqLyjWDarjtT1zdp7dcXYZ",
      "AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
      "sk-proj-Xq3bT9LmN2vR8sK4wY7zA1cD5eF6gH0jUiOpQrSt",
    ].join(" ; ");
    expect(values(secretDetector, text)).toHaveLength(6);
  });

  it("validates JWT headers and finds PEM private key blocks", () => {
    const jwt =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    expect(values(secretDetector, `Bearer ${jwt}`)).toEqual([jwt]);
    const notJwt = "eyJub3RoaW5nIjoxfQ.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV";
    expect(values(secretDetector, notJwt)).toEqual([]);
    const pem =
      "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----";
    expect(values(secretDetector, `key:\n${pem}\n`)).toEqual([pem]);
    expect(values(secretDetector, "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----")).toEqual([]);
  });

  it("finds random-looking values of key/token assignments and password values", () => {
    expect(values(secretDetector, 'api_key="Zx8fK2pQ9rT4vW7yB3nM5c";')).toEqual(["Zx8fK2pQ9rT4vW7yB3nM5c"]);
    expect(values(secretDetector, "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")).toEqual([
      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ]);
    expect(values(secretDetector, "数据库密码：Zx9!kLm2Qp，不要外传")).toEqual(["Zx9!kLm2Qp"]);
    expect(values(secretDetector, "password: hunter2!")).toEqual(["hunter2!"]);
  });

  it("ignores placeholders, low-entropy values and prose", () => {
    expect(
      values(
        secretDetector,
        "token: none, secret = true, password: ********, api_key=aaaaaaaaaaaaaaaaaaaa, the password is strong, sk-learn-compatible-models, apiKey: process.env.OPENAI_API_KEY, token=GITHUB_TOKEN_FOR_CI",
      ),
    ).toEqual([]);
  });
});
