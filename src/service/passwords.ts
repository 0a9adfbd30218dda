import { hash, verify } from "@node-rs/argon2";

// argon2id (the library's default algorithm) with OWASP's minimum: 19 MiB, 2 passes.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/**
 * A hash with the same parameters, compared against when the e-mail is unknown, so the time a
 * sign-in takes does not reveal who exists. Its password is irrelevant: the result is ignored.
 */
const DUMMY_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$u49sPOYL+m4ii57oA5f1jw$4h4i57r8CcZvNirT16owiO1CoA+ZN93mex3LS8oPhlM";

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    await verify(DUMMY_HASH, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
