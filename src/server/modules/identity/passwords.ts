import { createRequire } from 'node:module';
import argon2 from 'argon2';
import { countryCodes, getCountryProfile } from '../../../shared/countries/index.ts';

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

// The ranked list of common passwords that zxcvbn-ts ships (49,233 entries from public breach
// corpora), plus local favourites it lacks. Loaded on first use: ~60 ms and a few MB once per
// process, then each check is a handful of Set lookups.
const localFavourites = ['teranga', 'touba', 'baayfall', 'alhamdoulilah', 'wolof', '654321', '987654321'];
let commonPasswords: Set<string> | undefined;
function loadCommonPasswords(): Set<string> {
  if (!commonPasswords) {
    const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as {
      dictionary: { 'passwords-common': string[] };
    };
    commonPasswords = new Set([...dictionary['passwords-common'], ...localFavourites].map(fold));
  }
  return commonPasswords;
}

/** Lower case, accents dropped, the two Azerbaijani letters without a decomposition mapped. */
const fold = (text: string) =>
  text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replaceAll('ə', 'e').replaceAll('ı', 'i');

// ASVS V6.2.11: words of this platform and of the countries it serves (every shipped profile's
// names and regions, so no code depends on the deployed country).
const platformWords = 'jokko mygov gov gouv gouvernement government republique republic'.split(' ');
let contextWords: string[] | undefined;
function loadContextWords(): string[] {
  contextWords ??= [
    ...new Set(
      [
        ...platformWords,
        ...countryCodes.flatMap((code) => {
          const profile = getCountryProfile(code);
          return [...Object.values(profile.name), ...profile.regions.map((region) => region.name)];
        }),
      ]
        .map((word) => fold(word).replace(/\P{L}/gu, ''))
        .filter(Boolean),
    ),
  ];
  return contextWords;
}

/** True when `letters` is one or more context words end to end ("jokkodakar", "senegalsenegal"). */
function madeOfContextWords(letters: string): boolean {
  const words = loadContextWords();
  const reachable = [true];
  for (let end = 1; end <= letters.length; end++)
    reachable[end] = words.some(
      (word) => word.length <= end && reachable[end - word.length] === true && letters.endsWith(word, end),
    );
  return letters.length > 0 && reachable[letters.length] === true;
}

const leet: Record<string, string> = { '0': 'o', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };
/** "p@ssw0rd" → "password"; a 1 stands for an i or an l, so both readings are tried. */
const unleet = (text: string, one: 'i' | 'l') =>
  text.replace(/[013457@$]/g, (c) => (c === '1' ? one : (leet[c] ?? c)));

function isCommon(password: string): boolean {
  const folded = fold(password);
  // "Password123!" → "password123" (symbols off the ends) → "password" (digits too).
  const trimmed = folded.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
  const core = folded.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  const common = loadCommonPasswords();
  if ([folded, trimmed, core, unleet(core, 'i'), unleet(core, 'l')].some((v) => common.has(v))) return true;
  // One character or one chunk repeated ("aaaaaaaaaaaa", "azerazerazer", "Mango-2026-Mango"); the
  // core and the letters alone only from four characters, or "83a9a2017439" would fail on its "aa".
  const letters = folded.replace(/\P{L}/gu, '');
  const repeated = (v: string, min = 2) => v.length >= min && /^(.+)\1+$/su.test(v);
  if (repeated(folded) || repeated(trimmed) || repeated(core, 4) || repeated(letters, 4)) return true;
  return madeOfContextWords(letters);
}

export type PasswordProblem = 'too-short' | 'too-long' | 'common' | 'contains-nin';

/** A password's length in characters (the minimum counts code points, the maximum UTF-16 units). */
export const passwordLength = { min: 12, max: 128 } as const;

/**
 * NIST SP 800-63B style: length over composition rules, and no known-common passwords (ASVS
 * V6.2.4), no trivial variant of one, and none made only of context words (V6.2.11).
 */
export function checkPasswordPolicy(password: string, nin: string): PasswordProblem | undefined {
  if ([...password].length < passwordLength.min) return 'too-short';
  if (password.length > passwordLength.max) return 'too-long';
  if (isCommon(password)) return 'common';
  if (password.includes(nin)) return 'contains-nin';
  return undefined;
}
