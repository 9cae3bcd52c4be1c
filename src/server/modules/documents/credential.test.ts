import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { base64url } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { holderKeyPair, presentCredential } from '../../../shared/documents/present.ts';
import { type TrustedIssuer, type TrustList, verifyTrustList } from '../../../shared/documents/trust-list.ts';
import { type DocumentType, disclosablePaths, vctOf } from '../../../shared/documents/types.ts';
import { type PresentationContext, verifyPresentation } from '../../../shared/documents/verify.ts';
import {
  createStatusList,
  issueCredential,
  revoke,
  type SigningKey,
  signStatusList,
  signTrustList,
} from './credential.ts';

const platform = 'https://jokko.example';
const statusUri = `${platform}/v1/documents/status/DAF/1`;
const t0 = new Date('2026-11-29T10:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const day = 86_400;

function makeKey(kid: string): SigningKey & { publicJwk: JsonWebKey } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid,
    privateKey,
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256' } as JsonWebKey,
  };
}

function makeCitizen() {
  return {
    given_name: 'Awa Fatou',
    family_name: 'Ndiaye',
    birthdate: '1990-04-12',
    birth_place: 'Thiès',
    sex: 'female',
    nationality: 'SN',
    nin: '1199004120123',
    age_equal_or_over: { 18: true, 21: true },
  };
}

const issuerKey = makeKey('daf-2026');
const anchorKey = makeKey('trust-2026');
let holder: Awaited<ReturnType<typeof holderKeyPair>>;
const statusTokens = new Map<string, string>();

function daf(keys: JsonWebKey[]): TrustedIssuer {
  return {
    identifier: 'DAF',
    name: "Direction de l'automatisation des fichiers",
    keys,
    documentTypes: [vctOf(platform, 'national-id')],
  };
}

function trustListOf(...issuers: TrustedIssuer[]): TrustList {
  return {
    iss: platform,
    iat: Math.floor(t0.getTime() / 1000),
    exp: Math.floor(t0.getTime() / 1000) + day,
    issuers,
  };
}

async function publishStatus(list = createStatusList(16_384), key: SigningKey = issuerKey, uri = statusUri) {
  statusTokens.set(
    uri,
    await signStatusList({ key, list, uri, issuer: platform, ttlSeconds: 3600, now: t0 }),
  );
  return list;
}

function issueNationalId(
  overrides: Partial<{
    key: SigningKey;
    idx: number;
    expiresAt: Date;
    issuer: string;
    holderJwk: JsonWebKey;
  }> = {},
) {
  const type: DocumentType = 'national-id';
  return issueCredential({
    issuer: { identifier: overrides.issuer ?? 'DAF' },
    key: overrides.key ?? issuerKey,
    type,
    vct: vctOf(platform, type),
    claims: makeCitizen(),
    holderJwk: overrides.holderJwk ?? holder.publicJwk,
    status: { idx: overrides.idx ?? 7, uri: statusUri },
    issuedAt: t0,
    expiresAt: overrides.expiresAt ?? at(3650 * day),
  });
}

const present = (
  credential: string,
  disclose = ['family_name', 'age_equal_or_over.18'],
  holderKey?: CryptoKey,
) =>
  presentCredential({
    credential,
    disclose,
    holderKey: holderKey ?? holder.privateKey,
    audience: 'https://verifier.example',
    nonce: 'n-0S6_WzA2Mj',
    now: t0,
  });

function context(trustList: TrustList, overrides: Partial<PresentationContext> = {}): PresentationContext {
  return {
    trustList,
    statusList: async (uri) => {
      const token = statusTokens.get(uri);
      if (!token) throw new Error('404');
      return token;
    },
    now: at(30),
    maxAgeSeconds: 300,
    expectedAudience: 'https://verifier.example',
    expectedNonce: 'n-0S6_WzA2Mj',
    ...overrides,
  };
}

beforeAll(async () => {
  holder = await holderKeyPair();
  await publishStatus();
});

describe('issuing and presenting a national ID', () => {
  it('discloses exactly family_name and age_equal_or_over.18, and verifies', async () => {
    const credential = await issueNationalId();
    expect(credential.split('~')[0]!.split('.')).toHaveLength(3);
    const presentation = await present(credential);
    const result = await verifyPresentation(presentation, context(trustListOf(daf([issuerKey.publicJwk]))));
    expect(result).toEqual({
      valid: true,
      issuer: { identifier: 'DAF', name: "Direction de l'automatisation des fichiers" },
      type: vctOf(platform, 'national-id'),
      documentType: 'national-id',
      claims: { family_name: 'Ndiaye', age_equal_or_over: { 18: true } },
      issuedAt: t0,
      expiresAt: at(3650 * day),
    });
    // The object's disclosure plus its `18` entry; `21` and the other claims stay hidden.
    expect(presentation.split('~')).toHaveLength(1 + 3 + 1);
  });

  it('puts the registered claims in the signed payload, never in a disclosure', async () => {
    const credential = await issueNationalId();
    const [jwt] = credential.split('~');
    const [header, payload] = jwt!
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(new TextDecoder().decode(base64url.decode(part))));
    expect(header).toMatchObject({ typ: 'dc+sd-jwt', alg: 'ES256', kid: 'daf-2026' });
    expect(payload).toMatchObject({
      iss: 'DAF',
      vct: vctOf(platform, 'national-id'),
      cnf: { jwk: holder.publicJwk },
      status: { status_list: { idx: 7, uri: statusUri } },
      _sd_alg: 'sha-256',
    });
    expect(payload.family_name).toBeUndefined();
  });

  it('shows a whole object when the holder names it without its entries', async () => {
    const presentation = await present(await issueNationalId(), ['age_equal_or_over']);
    const result = await verifyPresentation(presentation, context(trustListOf(daf([issuerKey.publicJwk]))));
    expect(result.valid && result.claims).toEqual({ age_equal_or_over: { 18: true, 21: true } });
  });

  it('refuses to present a claim the credential does not make disclosable', async () => {
    await expect(present(await issueNationalId(), ['iss'])).rejects.toThrow('not disclosable');
  });
});

describe('verification rejects', () => {
  const trusted = () => trustListOf(daf([issuerKey.publicJwk]));

  it('tampered-disclosure: a disclosure whose digest the issuer did not sign', async () => {
    const presentation = await present(await issueNationalId(), ['family_name']);
    const parts = presentation.split('~');
    const [salt, name] = JSON.parse(new TextDecoder().decode(base64url.decode(parts[1]!)));
    parts[1] = base64url.encode(JSON.stringify([salt, name, 'Diop']));
    const result = await verifyPresentation(parts.join('~'), context(trusted()));
    expect(result).toMatchObject({ valid: false, reason: 'tampered-disclosure' });
  });

  it('bad-signature: a payload changed after signing', async () => {
    const presentation = await present(await issueNationalId());
    const [jwt, ...rest] = presentation.split('~');
    const [h, p, s] = jwt!.split('.');
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p!)));
    const forged = base64url.encode(JSON.stringify({ ...payload, exp: payload.exp + 3650 * day }));
    const result = await verifyPresentation([`${h}.${forged}.${s}`, ...rest].join('~'), context(trusted()));
    expect(result).toMatchObject({ valid: false, reason: 'bad-signature' });
  });

  it('holder-binding: a presentation signed by another key than cnf.jwk', async () => {
    const thief = await holderKeyPair();
    const presentation = await present(await issueNationalId(), undefined, thief.privateKey);
    const result = await verifyPresentation(presentation, context(trusted()));
    expect(result).toMatchObject({ valid: false, reason: 'holder-binding' });
  });

  it('holder-binding: a presentation made for another verifier or challenge', async () => {
    const presentation = await present(await issueNationalId());
    const otherAudience = await verifyPresentation(
      presentation,
      context(trusted(), { expectedAudience: 'x' }),
    );
    const otherNonce = await verifyPresentation(presentation, context(trusted(), { expectedNonce: 'y' }));
    expect(otherAudience).toMatchObject({ valid: false, reason: 'holder-binding' });
    expect(otherNonce).toMatchObject({ valid: false, reason: 'holder-binding' });
  });

  it('holder-binding: disclosures dropped from a presentation after the holder signed it', async () => {
    const presentation = await present(await issueNationalId(), ['family_name', 'given_name']);
    const parts = presentation.split('~');
    parts.splice(1, 1);
    const result = await verifyPresentation(parts.join('~'), context(trusted()));
    expect(result).toMatchObject({ valid: false, reason: 'holder-binding' });
  });

  it('presentation-expired: a KB-JWT older than maxAgeSeconds', async () => {
    const presentation = await present(await issueNationalId());
    const result = await verifyPresentation(presentation, context(trusted(), { now: at(301) }));
    expect(result).toMatchObject({ valid: false, reason: 'presentation-expired' });
  });

  it('unknown-issuer: an issuer absent from the trust list', async () => {
    const stranger = makeKey('stranger');
    const credential = await issueNationalId({ key: stranger, issuer: 'ELSEWHERE' });
    const result = await verifyPresentation(await present(credential), context(trusted()));
    expect(result).toMatchObject({ valid: false, reason: 'unknown-issuer', detail: 'issuer not listed' });
  });

  it('unknown-issuer: a listed issuer issuing a document type it is not trusted for', async () => {
    const list = trustListOf({ ...daf([issuerKey.publicJwk]), documentTypes: [vctOf(platform, 'diploma')] });
    const result = await verifyPresentation(await present(await issueNationalId()), context(list));
    expect(result).toMatchObject({ valid: false, reason: 'unknown-issuer' });
  });

  it('expired: a credential past its exp', async () => {
    const credential = await issueNationalId({ expiresAt: at(10) });
    const result = await verifyPresentation(await present(credential), context(trusted(), { now: at(200) }));
    expect(result).toMatchObject({ valid: false, reason: 'expired' });
  });

  it('revoked: its bit set in a newly signed status list, while others stay valid', async () => {
    const revokedUri = `${platform}/v1/documents/status/DAF/2`;
    const list = createStatusList(16_384);
    const issue = (idx: number) =>
      issueCredential({
        issuer: { identifier: 'DAF' },
        key: issuerKey,
        type: 'national-id',
        vct: vctOf(platform, 'national-id'),
        claims: makeCitizen(),
        disclosable: disclosablePaths('national-id'),
        holderJwk: holder.publicJwk,
        status: { idx, uri: revokedUri },
        issuedAt: t0,
        expiresAt: at(day),
      });
    const [revokedOne, kept] = [await issue(42), await issue(43)];
    await publishStatus(list, issuerKey, revokedUri);
    expect(await verifyPresentation(await present(revokedOne), context(trusted()))).toMatchObject({
      valid: true,
    });

    revoke(list, 42);
    await publishStatus(list, issuerKey, revokedUri);
    expect(await verifyPresentation(await present(revokedOne), context(trusted()))).toMatchObject({
      valid: false,
      reason: 'revoked',
    });
    expect(await verifyPresentation(await present(kept), context(trusted()))).toMatchObject({ valid: true });
  });

  it('accepts a trust list naming document types, and a status list built from revoked indexes', async () => {
    const uri = `${platform}/v1/documents/status/DAF/4`;
    const credential = await issueNationalId({ idx: 9 });
    const byName = trustListOf({ ...daf([issuerKey.publicJwk]), documentTypes: ['national-id'] });
    const token = await signStatusList({
      key: issuerKey,
      revoked: [9],
      size: 16_384,
      uri,
      issuer: platform,
      ttlSeconds: 300,
      now: t0,
    });
    const ctx = context(byName, { statusList: async (u) => (u === uri ? token : statusTokens.get(u)!) });
    expect(await verifyPresentation(await present(credential), ctx)).toMatchObject({ valid: true });
    const revokedOne = await issueCredential({
      issuer: { identifier: 'DAF' },
      key: issuerKey,
      type: 'national-id',
      vct: vctOf(platform, 'national-id'),
      claims: makeCitizen(),
      holderJwk: holder.publicJwk,
      status: { idx: 9, uri },
      issuedAt: t0,
      expiresAt: at(day),
    });
    expect(await verifyPresentation(await present(revokedOne), ctx)).toMatchObject({ reason: 'revoked' });
  });

  it('status-unavailable: a status list signed by a key the trust list does not give the issuer', async () => {
    const forgedUri = `${platform}/v1/documents/status/DAF/3`;
    const credential = await issueCredential({
      issuer: { identifier: 'DAF' },
      key: issuerKey,
      type: 'national-id',
      vct: vctOf(platform, 'national-id'),
      claims: makeCitizen(),
      disclosable: ['family_name'],
      holderJwk: holder.publicJwk,
      status: { idx: 1, uri: forgedUri },
      issuedAt: t0,
      expiresAt: at(day),
    });
    await publishStatus(createStatusList(16_384), makeKey('daf-2026'), forgedUri);
    const result = await verifyPresentation(await present(credential, ['family_name']), context(trusted()));
    expect(result).toMatchObject({ valid: false, reason: 'status-unavailable' });
  });

  it('status-unavailable: no status list to be had, or an expired one', async () => {
    const presentation = await present(await issueNationalId());
    const offline = context(trusted(), {
      statusList: async () => {
        throw new Error('offline, nothing cached');
      },
    });
    expect(await verifyPresentation(presentation, offline)).toMatchObject({ reason: 'status-unavailable' });
    const stale = context(trusted(), { now: at(2 * day), maxAgeSeconds: 3 * day });
    expect(await verifyPresentation(presentation, stale)).toMatchObject({ reason: 'status-unavailable' });
  });

  it('malformed: not an SD-JWT', async () => {
    expect(await verifyPresentation('eyJ.nope', context(trusted()))).toMatchObject({ reason: 'malformed' });
    expect(await verifyPresentation('a.b.c~', context(trusted()))).toMatchObject({ reason: 'malformed' });
  });
});

describe('issuer key rotation', () => {
  const newKey = makeKey('daf-2027');

  it('verifies old and new credentials while both keys are listed, only new ones once the old key leaves', async () => {
    const old = await present(await issueNationalId());
    const fresh = await present(await issueNationalId({ key: newKey }));
    await publishStatus(createStatusList(16_384), newKey);

    const both = trustListOf(daf([issuerKey.publicJwk, newKey.publicJwk]));
    expect(await verifyPresentation(old, context(both))).toMatchObject({ valid: true });
    expect(await verifyPresentation(fresh, context(both))).toMatchObject({ valid: true });

    const rotated = trustListOf(daf([newKey.publicJwk]));
    expect(await verifyPresentation(old, context(rotated))).toMatchObject({
      valid: false,
      reason: 'unknown-issuer',
      detail: 'key daf-2026 is not in the trust list',
    });
    expect(await verifyPresentation(fresh, context(rotated))).toMatchObject({ valid: true });
    await publishStatus();
  });
});

describe('trust list', () => {
  const list = trustListOf(daf([issuerKey.publicJwk]));

  it('verifies against the pinned anchor key', async () => {
    const jwt = await signTrustList({ key: anchorKey, trustList: list });
    expect(await verifyTrustList(jwt, [anchorKey.publicJwk], at(60))).toEqual(list);
  });

  it('is refused when signed by another key, expired, or listing a private key', async () => {
    const other = makeKey('trust-2026');
    await expect(
      verifyTrustList(await signTrustList({ key: other, trustList: list }), [anchorKey.publicJwk], at(60)),
    ).rejects.toThrow('trust list rejected');
    const jwt = await signTrustList({ key: anchorKey, trustList: list });
    await expect(verifyTrustList(jwt, [anchorKey.publicJwk], at(2 * day))).rejects.toThrow(
      'trust list rejected',
    );
    const leaky = trustListOf(
      daf([
        {
          ...(issuerKey.privateKey as KeyObject).export({ format: 'jwk' }),
          kid: 'k',
          alg: 'ES256',
        } as JsonWebKey,
      ]),
    );
    await expect(
      verifyTrustList(
        await signTrustList({ key: anchorKey, trustList: leaky }),
        [anchorKey.publicJwk],
        at(60),
      ),
    ).rejects.toThrow('malformed');
  });
});

describe('cost', () => {
  it('takes well under 2 ms of CPU per verification', async () => {
    const presentation = await present(await issueNationalId());
    const ctx = context(trustListOf(daf([issuerKey.publicJwk])));
    await verifyPresentation(presentation, ctx);
    const runs = 300;
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < runs; i++) await verifyPresentation(presentation, ctx);
    const used = process.cpuUsage(cpu);
    const perVerification = (used.user + used.system) / 1000 / runs;
    console.log(
      `verifyPresentation: ${perVerification.toFixed(3)} ms CPU, ${((performance.now() - started) / runs).toFixed(3)} ms wall per verification (${runs} runs, status list cached)`,
    );
    expect(perVerification).toBeLessThan(10);
  });
});
