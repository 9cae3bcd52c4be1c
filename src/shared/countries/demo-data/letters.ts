const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** 0 → AA, 1 → AB, ... 675 → ZZ; larger values wrap into three letters. */
export function letterPair(n: number): string {
  let out = '';
  let v = n;
  for (let i = 0; i < 2 || v > 0; i++) {
    out = alphabet[v % 26] + out;
    v = Math.floor(v / 26);
  }
  return out;
}
