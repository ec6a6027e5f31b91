// URL_CREDENTIALS: secrets carried by a URL.
//  - userinfo with a password: scheme://USER:PASSWORD@host (USER may be empty, as in redis://:pw@host) → the span is "USER:PASSWORD" (the user name
//    is often personal too, and redacting both keeps the URL parseable: scheme://[URL_CREDENTIALS]@host).
//  - credential query parameters: ?password=…, &token=…, &api_key=…, &access_token=…, &secret=…,
//    &client_secret=…, &sig=… → the span is the value. Only inside a URL (after "?" or "&" in a run
//    that started with scheme://), so prose like "password=?" is left to the SECRET detector.
// A bare "scheme://user@host" is not reported: a user name alone is not a credential.
import { execAll, textStats } from "../context.js";
import type { Detection, Detector, ScanInput } from "../types.js";

// URLs are ASCII once percent-encoded; stopping at the first non-ASCII character ends a URL at the
// Chinese text or full-width punctuation that follows it ("https://a.cn/?token=x，谢谢").
const USERINFO =
  /\b[A-Za-z][A-Za-z0-9+.-]{1,15}:\/\/([^\s/?#@:"'<>\\\u0080-\uffff]{0,128}):([^\s/?@"'<>\\\u0080-\uffff]{1,256})@(?=[A-Za-z0-9[])/g;
const URL = /\b[A-Za-z][A-Za-z0-9+.-]{1,15}:\/\/[\x21\x23-\x26\x28-\x3b\x3d\x3f-\x5b\x5d-\x7e]+/g;
const QUERY_PARAM =
  /[?&;](?:password|passwd|pwd|pass|secret|client_secret|token|access_token|refresh_token|id_token|auth|auth_token|api_key|apikey|api-key|key|sig|signature|x-amz-signature|x-amz-credential|sessionid|session_id)=([A-Za-z0-9\-._~%+/=!*$]{3,})/gi;

/** Documentation placeholders ("user:pass", "<password>", "${DB_PASSWORD}", "****"): reported at 0.3 only. */
const PLACEHOLDER =
  /^(?:pass|password|passwd|pwd|secret|changeme|xxx+|\*+|<[^>]*>|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|%[A-Za-z_]+%|user:pass(?:word)?|username:password)$/i;

export const urlCredentialsDetector: Detector = {
  name: "url-credentials",
  types: ["URL_CREDENTIALS"],
  detect(input: ScanInput): Detection[] {
    const { norm } = input;
    if (textStats(input).colons === 0 || !norm.includes("://")) return [];
    const out: Detection[] = [];
    for (const m of execAll(USERINFO, norm)) {
      const start = m.index + m[0].indexOf("//") + 2;
      const end = start + m[1]!.length + 1 + m[2]!.length;
      const score = PLACEHOLDER.test(m[2]!) || PLACEHOLDER.test(`${m[1]}:${m[2]}`) ? 0.3 : 0.95;
      out.push({ start, end, type: "URL_CREDENTIALS", score, detector: "url-credentials/userinfo" });
    }
    for (const u of execAll(URL, norm)) {
      const url = u[0];
      if (!url.includes("=")) continue;
      for (const q of execAll(QUERY_PARAM, url)) {
        // A sentence may end right after the URL: "…?token=abc123." — the dot is not part of the value.
        const value = q[1]!.replace(/[.]+$/, "");
        const end = u.index + q.index + q[0].length - (q[1]!.length - value.length);
        if (value.length < 3) continue;
        out.push({
          start: end - value.length,
          end,
          type: "URL_CREDENTIALS",
          score: 0.9,
          detector: "url-credentials/query",
        });
      }
    }
    return out;
  },
};
