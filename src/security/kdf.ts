// API-key secrets are hashed with scrypt (a slow, memory-hard KDF) so a leaked database does not
// leak usable keys. Parameters are stored with the hash so they can be raised later.
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

const N = 1 << 14;
const r = 8;
const p = 1;
const KEY_LENGTH = 32;

function derive(secret: string, salt: Buffer, cost: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LENGTH, { N: cost, r, p, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Returns `scrypt$N$hex` and the salt (hex). */
export async function hashSecret(secret: string): Promise<{ hash: string; salt: string }> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt, N);
  return { hash: `scrypt$${N}$${key.toString("hex")}`, salt: salt.toString("hex") };
}

export async function verifySecret(secret: string, hash: string, saltHex: string): Promise<boolean> {
  const [scheme, costText, hex] = hash.split("$");
  if (scheme !== "scrypt" || !costText || !hex) return false;
  const expected = Buffer.from(hex, "hex");
  const actual = await derive(secret, Buffer.from(saltHex, "hex"), Number(costText));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
