import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  codeFromVerificationUrl,
  type OutputClaims,
  signOutputCode,
  statementSha256,
  verificationUrl,
  verifyOutputCode,
} from './output-code.ts';
import { type OutputPdfInput, renderOutputPdf } from './output-pdf.ts';
import { readPdfInfo, readPdfText, readQrFromPdf } from './testing/read-pdf-qr.ts';

const publicUrl = 'https://jokko.example.sn';
const issuedAt = new Date('2026-11-24T10:00:00Z');
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const months = (date: Date, n: number) =>
  new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + n, 24));

function makeKey(kid = 'outputs-2026-11-24-a1b2c3d4') {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    kid,
    privateKey,
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' },
  };
}

function makeClaims(
  overrides: Partial<OutputClaims> = {},
  statement = 'Bulletin n°3 : néant.',
): OutputClaims {
  return {
    iss: publicUrl,
    sub: 'SN-2026-000123',
    iat: seconds(issuedAt),
    exp: seconds(months(issuedAt, 3)),
    jokko: {
      procedure: 'criminal-record-extract',
      version: 2,
      kind: 'extract',
      owner: 'MJ-CJ',
      holder: { name: 'Ndèye Ŋoné Diop', nin: '1 234 1990 01234' },
      decision: 'approved',
      statementSha256: statementSha256(statement),
      language: 'wo-SN',
    },
    ...overrides,
  };
}

const wolofStatement = [
  'Kayit bii, ñu ko joxe ci Ndakaaru, dafay seede ne Ndèye Ŋoné Diop amul benn àtte ci téereb àttewaay yi.',
  'Ñu ngi koy joxe ngir mu jëfandikoo ko ci lépp lu ko soxla, ci góor-góorlu ak dëggu.',
  'Délivré à Dakar pour servir et valoir ce que de droit ; ŋ ë ó è à ñ.',
].join('\n');

function makePdfInput(overrides: Partial<OutputPdfInput> = {}): OutputPdfInput {
  return {
    language: 'wo-SN',
    title: 'Kayitu yoon — Bulletin n°3',
    issuer: { name: 'Ministeeru Yoon — Kàggu àttewaay yu réew mi' },
    reference: 'SN-2026-000123',
    applicant: { name: 'Ndèye Ŋoné Diop', nin: '1 234 1990 01234' },
    statement: wolofStatement,
    issuedAt,
    validUntil: months(issuedAt, 3),
    labels: {
      reference: 'Limu kayit',
      applicant: 'Ki ko laaj',
      nin: 'Limu nit (NIN)',
      issuedOn: 'Bés bi ñu ko joxe',
      validUntil: 'Dina jeex',
      verify: 'Scanne QR bi ngir seet ndax kayit bii dëgg la.',
    },
    verificationUrl: `${publicUrl}/verify/output#placeholder`,
    ...overrides,
  };
}

describe('output verification code', () => {
  const key = makeKey();
  const jwks = [key.publicJwk];
  const check = { issuer: publicUrl, now: new Date('2026-12-01T00:00:00Z') };

  it('verifies what it signed and returns the claims', async () => {
    const claims = makeClaims();
    const code = await signOutputCode(key, claims);
    expect(await verifyOutputCode(code, jwks, check)).toEqual({ valid: true, claims });
  });

  it('keeps codes without an expiry valid', async () => {
    const { exp: _, ...claims } = makeClaims();
    const code = await signOutputCode(key, claims);
    const result = await verifyOutputCode(code, jwks, { issuer: publicUrl, now: new Date('2040-01-01') });
    expect(result).toEqual({ valid: true, claims });
  });

  it('bad-signature: a changed payload no longer matches the signature', async () => {
    const [header, payload, signature] = (await signOutputCode(key, makeClaims())).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    claims.jokko.holder.name = 'Someone Else';
    const forged = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    expect(await verifyOutputCode(forged, jwks, check)).toEqual({ valid: false, reason: 'bad-signature' });
  });

  it('bad-signature: another key under a published kid', async () => {
    const impostor = makeKey(key.kid);
    const code = await signOutputCode(impostor, makeClaims());
    expect(await verifyOutputCode(code, jwks, check)).toEqual({ valid: false, reason: 'bad-signature' });
  });

  it('unknown-key: a kid the platform never published', async () => {
    const code = await signOutputCode(makeKey('outputs-elsewhere'), makeClaims());
    expect(await verifyOutputCode(code, jwks, check)).toEqual({ valid: false, reason: 'unknown-key' });
  });

  it('expired: past its validity', async () => {
    const code = await signOutputCode(key, makeClaims());
    const later = { issuer: publicUrl, now: months(issuedAt, 4) };
    expect(await verifyOutputCode(code, jwks, later)).toEqual({ valid: false, reason: 'expired' });
  });

  it('wrong-issuer: signed for another platform', async () => {
    const code = await signOutputCode(key, makeClaims({ iss: 'https://jokko.example.az' }));
    expect(await verifyOutputCode(code, jwks, check)).toEqual({ valid: false, reason: 'wrong-issuer' });
  });

  it('malformed: not a JWS, another kind of JWT, or missing claims', async () => {
    expect(await verifyOutputCode('not-a-code', jwks, check)).toEqual({ valid: false, reason: 'malformed' });
    const { SignJWT } = await import('jose');
    const idToken = await new SignJWT({ ...makeClaims() })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
      .sign(key.privateKey);
    expect(await verifyOutputCode(idToken, jwks, check)).toEqual({ valid: false, reason: 'malformed' });
    const { jokko: _, ...bare } = makeClaims();
    const withoutJokko = await signOutputCode(key, bare as OutputClaims);
    expect(await verifyOutputCode(withoutJokko, jwks, check)).toEqual({ valid: false, reason: 'malformed' });
  });

  it('puts the code in the URL fragment and reads it back', async () => {
    const code = await signOutputCode(key, makeClaims());
    const url = verificationUrl(`${publicUrl}/`, code);
    expect(url).toBe(`${publicUrl}/verify/output#${code}`);
    expect(codeFromVerificationUrl(url)).toBe(code);
    expect(codeFromVerificationUrl(`https://elsewhere.example/phish#${code}`)).toBeNull();
    expect(codeFromVerificationUrl('SN-2026-000123')).toBeNull();
    expect(codeFromVerificationUrl(`${publicUrl}/verify/output`)).toBeNull();
  });

  it('hashes the statement in NFC, so combining accents hash the same', () => {
    expect(statementSha256('ne\u0301ant')).toBe(statementSha256('néant'));
    expect(statementSha256('néant')).toBe(createHash('sha256').update('néant').digest('hex'));
  });
});

describe('output PDF', () => {
  const key = makeKey();

  it('prints a Wolof statement whose QR, read from the pixels, verifies and matches the text', async () => {
    const claims = makeClaims({}, wolofStatement);
    const url = verificationUrl(publicUrl, await signOutputCode(key, claims));
    const pdf = await renderOutputPdf(makePdfInput({ verificationUrl: url }));

    expect(pdf.byteLength).toBeLessThan(200 * 1024);
    const scanned = await readQrFromPdf(pdf);
    expect(scanned).toBe(url);
    const result = await verifyOutputCode(codeFromVerificationUrl(scanned)!, [key.publicJwk], {
      issuer: publicUrl,
      now: issuedAt,
    });
    expect(result.valid).toBe(true);
    if (!result.valid) return;
    expect(result.claims.jokko.statementSha256).toBe(
      createHash('sha256').update(wolofStatement, 'utf8').digest('hex'),
    );

    const [page, ...more] = await readPdfText(pdf);
    expect(more).toEqual([]);
    const printed = page!.replace(/\s+/g, ' ');
    expect(printed).toContain(wolofStatement.replace(/\s+/g, ' '));
    expect(printed).toContain('Ndèye Ŋoné Diop');
    expect(printed).toContain('Ministeeru Yoon — Kàggu àttewaay yu réew mi');
    expect(printed).toContain(`${publicUrl}/verify/output`);
    expect(printed).not.toContain('#');
    expect(printed).toMatch(/24 .+ 2026/); // the date in the citizen's language
  });

  it('sets the document information: title, reference, verification URL, language, producer', async () => {
    const url = verificationUrl(publicUrl, await signOutputCode(key, makeClaims()));
    const info = await readPdfInfo(await renderOutputPdf(makePdfInput({ verificationUrl: url })));
    expect(info).toMatchObject({
      title: 'Kayitu yoon — Bulletin n°3',
      subject: 'SN-2026-000123',
      keywords: url,
      author: 'Ministeeru Yoon — Kàggu àttewaay yu réew mi',
      producer: 'Jokko',
      language: 'wo-SN',
      pageCount: 1,
    });
  });

  it('formats dates in the language, and in French when ICU has no data for it', async () => {
    const url = verificationUrl(publicUrl, 'a.b.c');
    const french = await readPdfText(
      await renderOutputPdf(makePdfInput({ language: 'fr-SN', verificationUrl: url })),
    );
    expect(french[0]).toContain('24 novembre 2026');
    const english = await readPdfText(
      await renderOutputPdf(makePdfInput({ language: 'en-SN', verificationUrl: url })),
    );
    expect(english[0]).toContain('November 24, 2026');
    const unknown = await readPdfText(
      await renderOutputPdf(makePdfInput({ language: 'xx-SN', verificationUrl: url })),
    );
    expect(unknown[0]).toContain('24 novembre 2026');
  });

  it('continues a long statement on further pages, the QR staying on the first', async () => {
    const url = verificationUrl(publicUrl, await signOutputCode(key, makeClaims()));
    const statement = Array.from(
      { length: 60 },
      (_, i) => `Paragraphe ${i + 1} : considérant la requête.`,
    ).join('\n');
    const pdf = await renderOutputPdf(makePdfInput({ statement, verificationUrl: url }));
    const pages = await readPdfText(pdf);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.join('\n')).toContain('Paragraphe 60 : considérant la requête.');
    expect(pages[0]).toContain(`1 / ${pages.length}`);
    expect(await readQrFromPdf(pdf)).toBe(url);
  });

  it('refuses text its font cannot print instead of printing boxes', async () => {
    await expect(renderOutputPdf(makePdfInput({ applicant: { name: '李雷', nin: '1' } }))).rejects.toThrow(
      'cannot print U+674E',
    );
  });
});
