import argon2 from 'argon2';

/**
 * argon2id with OWASP's first recommended configuration (19 MiB, 2 iterations, 1 lane). The
 * parameters travel inside each PHC string, so raising them later rehashes on the next login.
 */
export const passwordHashing = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const hashPassword = (password: string): Promise<string> => argon2.hash(password, passwordHashing);

export const verifyPassword = (hash: string, password: string): Promise<boolean> =>
  argon2.verify(hash, password).catch(() => false);

export const needsRehash = (hash: string): boolean => argon2.needsRehash(hash, passwordHashing);

// A hash of a random string: verifying against it when an account does not exist costs the same
// time as a real check, so response time does not reveal which NINs have accounts.
let decoy: Promise<string> | undefined;
export const decoyHash = (): Promise<string> => {
  decoy ??= hashPassword(`decoy-${Math.random()}`);
  return decoy;
};

// The most common passwords in public breach corpora (and local favourites); a full breached-
// password list (k-anonymity service or an offline Bloom filter) is a follow-up.
const common = new Set(
  `123456 123456789 12345678 password qwerty123 qwerty 111111 12345 1234567 123123 password1 1234567890 000000
   abc123 iloveyou azerty azerty123 motdepasse motdepasse123 soleil bonjour senegal senegal123 dakar dakar2024
   teranga jokko jokko123 admin admin123 welcome letmein football passw0rd 654321 987654321 aaaaaa 112233
   bismillah alhamdoulilah touba2024 baayfall wolof1234 azerty1234 qwertyuiop 1q2w3e4r 1qaz2wsx zaq12wsx`
    .split(/\s+/)
    .filter(Boolean),
);

export type PasswordProblem = 'too-short' | 'too-long' | 'common' | 'contains-nin';

/** NIST SP 800-63B style: length over composition rules, and no known-common passwords. */
export function checkPasswordPolicy(password: string, nin: string): PasswordProblem | undefined {
  if ([...password].length < 12) return 'too-short';
  if (password.length > 128) return 'too-long';
  const lowered = password.toLowerCase();
  if (common.has(lowered) || common.has(lowered.replace(/[!.?\d]+$/, ''))) return 'common';
  if (password.includes(nin)) return 'contains-nin';
  return undefined;
}
