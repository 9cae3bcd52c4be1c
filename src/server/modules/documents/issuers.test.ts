import { randomBytes, randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustListType } from '../../../shared/documents/trust-list.ts';
import type { Actor } from '../../platform/actor.ts';
import { type Database, openDatabase } from '../../platform/db/database.ts';
import { createTestDatabase, type TestDatabase, testEngines } from '../../platform/db/testing.ts';
import { createLocalKms, type WrappedKey } from '../../platform/kms.ts';
import { createAuditLog } from '../audit/index.ts';
import {
  type DocumentKeysDeps,
  issuerKey,
  keyCacheTtlMs,
  listDocumentKeys,
  retireIssuerKey,
  rewrapDocumentKeys,
  rotateIssuerKey,
  trustKey,
} from './issuers.ts';
import { documentsTrustRoutes, signTrustList, type TrustListDeps, trustAnchorKeys } from './trust-list.ts';

const publicUrl = 'https://jokko.example.sn';
const documentTypes = {
  DTTR: ['driving-licence', 'vehicle-registration'],
  MEN: ['diploma'],
  ANEC: ['birth-certificate-extract'],
};
const operator: Actor = { kind: 'operator', id: 'op-keys', roles: ['documents:admin'] };
const system: Actor = { kind: 'system', id: 'cli', roles: ['*'] };

/** An administration in the organisations registry. */
async function makeAdministration(
  database: Database,
  identifier: string,
  name: string,
  kind = 'administration',
) {
  await database.query(
    `INSERT INTO organisations (id, identifier, kind, name, short_name, country, created_at)
     VALUES ($1, $2, $3, $4, $2, 'SN', now())`,
    [randomUUID(), identifier, kind, name],
  );
}

describe.each(testEngines())('documents: issuer keys at rest and the signed trust list, on %s', (kind) => {
  let t: TestDatabase;
  let now = new Date('2026-11-29T10:00:00Z');
  const clock = () => now;
  const masterKey = randomBytes(32);
  let deps: TrustListDeps;
  const withKms = (kms: DocumentKeysDeps['kms']): TrustListDeps => ({ ...deps, kms });
  /** Past every node's key cache, as a minute later. */
  const later = () => {
    now = new Date(now.getTime() + keyCacheTtlMs + 1);
  };
  const auditActions = async () =>
    (
      await t.database.query<{
        action: string;
        actor_id: string;
        subject_id: string | null;
        details: unknown;
      }>(
        "SELECT action, actor_id, subject_id, details FROM audit_log WHERE action LIKE 'documents.%' ORDER BY seq",
      )
    ).map((r) => ({ ...r, details: r.details as Record<string, unknown> }));

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    await makeAdministration(t.database, 'DTTR', 'Direction des Transports routiers');
    await makeAdministration(t.database, 'MEN', "Ministère de l'Éducation nationale");
    await makeAdministration(t.database, 'BANK1', 'Banque de démonstration', 'bank');
    deps = {
      database: t.database,
      audit: createAuditLog(t.database, { clock }),
      clock,
      kms: createLocalKms(masterKey, 'mk-test'),
      publicUrl,
      documentTypes,
    };
  });
  afterAll(async () => t?.dispose());

  it('first use creates one key per administration, even with two nodes asking at once', async () => {
    // On PostgreSQL the second caller is another connection pool, as another node would be.
    const second = t.url ? await openDatabase({ url: t.url, poolMax: 2 }) : t.database;
    try {
      const [a, b] = await Promise.all([
        issuerKey(deps, 'DTTR'),
        issuerKey({ ...deps, database: second }, 'DTTR'),
      ]);
      expect(a.kid).toBe(b.kid);
      expect(a).toMatchObject({ organisation: 'DTTR', alg: 'ES256' });
      expect(a.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: a.kid, alg: 'ES256', use: 'sig' });
      expect(a.kid).toMatch(/^DTTR-2026-11-29-[0-9a-f]{8}$/);
    } finally {
      if (second !== t.database) await second.close();
    }
    const rows = await t.database.query("SELECT kid FROM documents_issuer_keys WHERE organisation = 'DTTR'");
    expect(rows).toHaveLength(1);
    expect((await auditActions()).filter((e) => e.action === 'documents.issuer-key.created')).toHaveLength(1);
  });

  it('keys-at-rest-are-wrapped: no plaintext private key in the table', async () => {
    const key = await issuerKey(deps, 'DTTR');
    const d = key.privateKey.export({ format: 'jwk' }).d!;
    const der = key.privateKey.export({ format: 'der', type: 'pkcs8' });
    const [row] = await t.database.query<Record<string, unknown>>(
      'SELECT * FROM documents_issuer_keys WHERE kid = $1',
      [key.kid],
    );
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(d);
    expect(stored).not.toContain(der.toString('base64'));
    expect(stored).not.toContain(der.toString('base64url'));
    expect(row!.public_jwk).not.toHaveProperty('d');
    expect(row!.private_key_wrapped).toMatchObject({ v: 1, keyId: 'mk-test' });
  });

  it('a wrapped key moved to another administration does not open', async () => {
    later();
    const men = await issuerKey(deps, 'MEN');
    const dttr = await issuerKey(deps, 'DTTR');
    const [original] = await t.database.query<{ private_key_wrapped: WrappedKey }>(
      'SELECT private_key_wrapped FROM documents_issuer_keys WHERE kid = $1',
      [dttr.kid],
    );
    await t.database.query(
      'UPDATE documents_issuer_keys SET private_key_wrapped = (SELECT private_key_wrapped FROM documents_issuer_keys WHERE kid = $2) WHERE kid = $1',
      [dttr.kid, men.kid],
    );
    later();
    await expect(issuerKey(deps, 'DTTR')).rejects.toThrow(
      'the wrapped key does not open in this context, or was altered',
    );
    await t.database.query('UPDATE documents_issuer_keys SET private_key_wrapped = $2 WHERE kid = $1', [
      dttr.kid,
      JSON.stringify(original!.private_key_wrapped),
    ]);
    expect((await issuerKey(deps, 'DTTR')).kid).toBe(dttr.kid);
  });

  it('issuer keys are for administrations in the registry only', async () => {
    await expect(issuerKey(deps, 'NOPE')).rejects.toMatchObject({ slug: 'not-found' });
    await expect(issuerKey(deps, 'BANK1')).rejects.toMatchObject({
      slug: 'not-found',
      detail: 'No administration BANK1',
    });
  });

  it('only operators with documents:admin rotate, retire and list keys', async () => {
    const agent: Actor = { kind: 'agent', id: 'ag', roles: ['documents:admin'], organisationId: 'x' };
    const plain: Actor = { kind: 'operator', id: 'op', roles: ['registries:read'] };
    for (const actor of [agent, plain]) {
      await expect(rotateIssuerKey(deps, actor, 'DTTR')).rejects.toMatchObject({ slug: 'forbidden' });
      await expect(retireIssuerKey(deps, actor, 'any')).rejects.toMatchObject({ slug: 'forbidden' });
      await expect(listDocumentKeys(deps, actor)).rejects.toMatchObject({ slug: 'forbidden' });
    }
  });

  it('rotation: the new key signs at once on this node, and both keys are published', async () => {
    const old = await issuerKey(deps, 'DTTR');
    const rotated = await rotateIssuerKey(deps, operator, 'DTTR', {
      ip: '10.0.0.1',
      requestId: 'req-rotate',
    });
    expect(rotated).toMatchObject({
      organisation: 'DTTR',
      current: true,
      retiredAt: null,
      masterKeyId: 'mk-test',
    });
    expect(rotated.kid).not.toBe(old.kid);
    expect((await issuerKey(deps, 'DTTR')).kid).toBe(rotated.kid);

    const { payload } = await jwtVerify(
      await signTrustList(deps, now),
      createLocalJWKSet(await trustAnchorKeys(deps)),
    );
    const dttr = (payload.issuers as Array<{ identifier: string; keys: Array<{ kid: string }> }>).find(
      (i) => i.identifier === 'DTTR',
    );
    expect(dttr?.keys.map((k) => k.kid)).toEqual([rotated.kid, old.kid]);

    const listed = await listDocumentKeys(deps, operator);
    expect(listed.filter((k) => k.organisation === 'DTTR').map((k) => [k.kid, k.current])).toEqual([
      [rotated.kid, true],
      [old.kid, false],
    ]);
  });

  it('retirement: the old key leaves the trust list, and cannot be retired twice', async () => {
    const listed = await listDocumentKeys(deps, operator);
    const old = listed.find((k) => k.organisation === 'DTTR' && !k.current)!;
    const current = listed.find((k) => k.organisation === 'DTTR' && k.current)!;
    await retireIssuerKey(deps, operator, old.kid);
    await expect(retireIssuerKey(deps, operator, old.kid)).rejects.toMatchObject({ slug: 'conflict' });
    await expect(retireIssuerKey(deps, operator, 'DTTR-none')).rejects.toMatchObject({ slug: 'not-found' });

    const { payload } = await jwtVerify(
      await signTrustList(deps, now),
      createLocalJWKSet(await trustAnchorKeys(deps)),
    );
    const dttr = (payload.issuers as Array<{ identifier: string; keys: Array<{ kid: string }> }>).find(
      (i) => i.identifier === 'DTTR',
    );
    expect(dttr?.keys.map((k) => k.kid)).toEqual([current.kid]);
    expect((await issuerKey(deps, 'DTTR')).kid).toBe(current.kid);
  });

  it('the trust list verifies against the trust anchor and names each administration, its keys and document types', async () => {
    const jws = await signTrustList(deps, now);
    const anchor = await trustAnchorKeys(deps);
    const trust = await trustKey(deps);
    expect(anchor.keys.map((k) => k.kid)).toEqual([trust.kid]);
    expect(anchor.keys[0]).not.toHaveProperty('d');
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'ES256', typ: trustListType, kid: trust.kid });

    const { payload } = await jwtVerify(jws, createLocalJWKSet(anchor), {
      issuer: publicUrl,
      typ: trustListType,
      algorithms: ['ES256'],
      currentDate: now,
    });
    expect(payload.exp! - payload.iat!).toBe(24 * 60 * 60);
    expect(payload.iat).toBe(Math.floor(now.getTime() / 1000));
    const dttrKey = await issuerKey(deps, 'DTTR');
    const menKey = await issuerKey(deps, 'MEN');
    // ANEC is in the map but not in this registry; BANK1 is no issuer.
    expect(payload.issuers).toEqual([
      {
        identifier: 'DTTR',
        name: 'Direction des Transports routiers',
        keys: [dttrKey.publicJwk],
        documentTypes: ['driving-licence', 'vehicle-registration'],
      },
      {
        identifier: 'MEN',
        name: "Ministère de l'Éducation nationale",
        keys: [menKey.publicJwk],
        documentTypes: ['diploma'],
      },
    ]);

    // Signed by anything else, or expired, it does not verify.
    const otherAnchor = { keys: [{ ...menKey.publicJwk, kid: trust.kid }] };
    await expect(jwtVerify(jws, createLocalJWKSet(otherAnchor))).rejects.toThrow(
      /signature verification failed/,
    );
    await expect(
      jwtVerify(jws, createLocalJWKSet(anchor), { currentDate: new Date(now.getTime() + 25 * 3600_000) }),
    ).rejects.toThrow(/"exp" claim timestamp check failed/);
  });

  it('audit entries record each creation, rotation and retirement, without key material', async () => {
    const entries = await auditActions();
    expect(entries.map((e) => e.action)).toEqual([
      'documents.issuer-key.created',
      'documents.issuer-key.created',
      'documents.issuer-key.rotated',
      'documents.trust-key.created',
      'documents.issuer-key.retired',
    ]);
    const rotated = entries.find((e) => e.action === 'documents.issuer-key.rotated')!;
    expect(rotated.actor_id).toBe('op-keys');
    expect(rotated.details).toMatchObject({ organisation: 'DTTR', alg: 'ES256' });
    const text = JSON.stringify(entries);
    for (const word of ['"d"', 'dataKey', 'ciphertext', 'private']) expect(text).not.toContain(word);
  });

  it('master-key rotation: the previous key still opens, and rewrap moves every key to the current one', async () => {
    const newMaster = randomBytes(32);
    const during = withKms(createLocalKms(newMaster, 'mk-next', [{ masterKey, keyId: 'mk-test' }]));
    later();
    const before = await issuerKey(during, 'DTTR');
    expect(await rewrapDocumentKeys(during, system)).toBe(4); // DTTR (2), MEN, trust
    expect(await rewrapDocumentKeys(during, system)).toBe(0);
    const stored = await t.database.query<{ private_key_wrapped: WrappedKey }>(
      'SELECT private_key_wrapped FROM documents_issuer_keys UNION ALL SELECT private_key_wrapped FROM documents_trust_keys',
    );
    expect(new Set(stored.map((r) => r.private_key_wrapped.keyId))).toEqual(new Set(['mk-next']));

    const after = withKms(createLocalKms(newMaster, 'mk-next'));
    later();
    const reopened = await issuerKey(after, 'DTTR');
    expect(reopened.kid).toBe(before.kid);
    expect(reopened.privateKey.export({ format: 'jwk' }).d).toBe(
      before.privateKey.export({ format: 'jwk' }).d,
    );
    await expect(
      jwtVerify(await signTrustList(after, now), createLocalJWKSet(await trustAnchorKeys(after))),
    ).resolves.toBeTruthy();
    expect((await auditActions()).at(-1)).toMatchObject({
      action: 'documents.keys.rewrapped',
      actor_id: 'cli',
    });
    deps = after;
  });

  it('serves the trust list as application/jwt and the anchor as a JWKS, both public and cacheable', async () => {
    const app = Fastify();
    await app.register(documentsTrustRoutes, { prefix: '/v1', deps });
    try {
      const list = await app.inject({ method: 'GET', url: '/v1/documents/trust-list' });
      expect(list.statusCode).toBe(200);
      expect(list.headers['content-type']).toMatch(/^application\/jwt/);
      expect(list.headers['cache-control']).toBe('public, max-age=300');
      const anchorRes = await app.inject({ method: 'GET', url: '/v1/documents/trust-anchor' });
      expect(anchorRes.statusCode).toBe(200);
      const anchor = anchorRes.json() as { keys: Array<Record<string, unknown>> };
      expect(anchor.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
      expect(anchor.keys[0]).not.toHaveProperty('d');
      const { payload } = await jwtVerify(list.body, createLocalJWKSet(anchor as never), {
        typ: trustListType,
      });
      expect(payload.iss).toBe(publicUrl);
    } finally {
      await app.close();
    }
  });
});
