import { request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../../../shared/countries/index.ts';
import {
  holderKeyPair,
  presentCredential,
  type TrustList,
  verifyCredential,
  verifyPresentation,
  verifyTrustList,
} from '../../../shared/documents/index.ts';
import { testEngines } from '../../platform/db/testing.ts';
import { problemType } from '../../platform/http/problems.ts';
import { createKmsFromConfig } from '../../platform/kms.ts';
import { runJokko } from '../../testing/processes.ts';
import { createTestApp, freePort, type TestApp } from '../../testing.ts';
import { createAuditLog } from '../audit/index.ts';
import { publishReferenceServices } from '../bridge/index.ts';
import { readQrFromPdf } from '../eservices/index.ts';
import {
  accessTokenFor,
  createAccount,
  registerConfidentialTwin,
  superAppClientId,
} from '../identity/index.ts';
import { listPeople, type Person, seedDemoCountry } from '../registries/index.ts';
import { createDocumentsDeps, reconcileDocuments } from './index.ts';

const password = 'Portefeuille-Teranga-2026!';
const secret = 'a-test-secret-that-is-long-enough-0123456789';

describe.each(testEngines())(
  'documents: issued to the wallet, presented, verified offline, revoked, on %s',
  (kind) => {
    let t: TestApp;
    let base: string;
    const people: Person[] = [];
    const tokens: string[] = [];

    const api = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await undiciRequest(`${base}${path}`, {
        method: method as 'GET',
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await res.body.text();
      const json =
        String(res.headers['content-type'] ?? '').includes('json') && text ? JSON.parse(text) : undefined;
      return { status: res.statusCode, headers: res.headers, text, body: json };
    };

    /** What an offline verifier holds: the trust list checked against the pinned anchor, and status lists as fetched. */
    async function verifierCache() {
      const anchor = (await api('GET', '/v1/documents/trust-anchor', '')).body as { keys: JsonWebKey[] };
      const trustList: TrustList = await verifyTrustList(
        (await api('GET', '/v1/documents/trust-list', '')).text,
        anchor.keys,
        new Date(),
      );
      const statusList = async (uri: string) => {
        const res = await undiciRequest(uri);
        if (res.statusCode !== 200) throw new Error(`status list ${res.statusCode}`);
        return res.body.text();
      };
      return { trustList, statusList };
    }

    beforeAll(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      t = await createTestApp(kind, { PUBLIC_URL: base });
      const database = t.db.database;
      const audit = createAuditLog(database);
      await seedDemoCountry(database, { profile: getCountryProfile('SN'), people: 60, seed: 'documents' });
      await t.app.listen({ host: '127.0.0.1', port });
      await publishReferenceServices(database, audit, {
        instance: 'SN',
        registriesUrl: `${base}/v1/registries`,
        kms: t.kms,
      });
      const adults = (
        await listPeople(
          { database, audit, country: getCountryProfile('SN') },
          { kind: 'system', id: 'test', roles: ['*'] },
          { limit: 60 },
        )
      ).people.filter((p) => !p.deathDate && p.birthDate < '2000-01-01');
      const [driver] = await database.query<{ holder_nin: string }>(
        "SELECT holder_nin FROM driving_licences WHERE status = 'valid' AND expires_on > now() ORDER BY number LIMIT 1",
      );
      people.push(
        adults.find((p) => p.nin !== driver!.holder_nin)!,
        adults.find((p) => p.nin === driver!.holder_nin)!,
      );
      for (const p of people) await createAccount(database, p.nin, password);
      const app = { clientId: superAppClientId, secret, redirectUri: 'https://app.jokko.example/cb' };
      await registerConfidentialTwin(database, app);
      for (const p of people) tokens.push(await accessTokenFor(base, app, { nin: p.nin, password }));
    }, 120_000);

    afterAll(async () => t?.dispose());

    it('issues a national ID bound to the wallet key, shows "18 or older" and the family name only, verifies it offline, refuses it once revoked', async () => {
      const wallet = await holderKeyPair();
      const issued = await api('POST', '/v1/me/documents', tokens[0]!, {
        type: 'national-id',
        holderKey: wallet.publicJwk,
      });
      expect(issued.status).toBe(201);
      expect(issued.body).toMatchObject({ type: 'national-id', issuer: 'DAF' });
      expect(issued.body.credential.split('~').length).toBeGreaterThan(5);
      const { trustList, statusList } = await verifierCache();
      expect(trustList.issuers.find((i) => i.identifier === 'DAF')?.documentTypes).toContain('national-id');

      const presentation = await presentCredential({
        credential: issued.body.credential,
        disclose: ['age_equal_or_over.18', 'family_name'],
        holderKey: wallet.privateKey,
        audience: 'https://police.example',
        nonce: 'n-0001',
        now: new Date(),
      });
      const checked = await verifyPresentation(presentation, {
        trustList,
        statusList,
        now: new Date(),
        maxAgeSeconds: 300,
        expectedAudience: 'https://police.example',
        expectedNonce: 'n-0001',
      });
      expect(checked).toMatchObject({
        valid: true,
        issuer: { identifier: 'DAF' },
        documentType: 'national-id',
      });
      expect((checked as { claims: Record<string, unknown> }).claims).toEqual({
        family_name: people[0]!.familyName,
        age_equal_or_over: { 18: true },
      });

      // The same check from a terminal: `jokko documents verify` (a separate process, over HTTP).
      const cli = async (args: string[]) => {
        const { code, stdout, stderr } = await runJokko(args);
        return { code, out: stdout, err: stderr };
      };
      const valid = await cli(['documents', 'verify', '--jokko', base, `${base}/verify#${presentation}`]);
      expect(valid.code, valid.err).toBe(0);
      expect(valid.out).toMatch(/^VALID: national-id, issued by .+ \(DAF\)/);

      // Another citizen's wallet cannot see it; a private key is never accepted.
      expect((await api('GET', '/v1/me/documents', tokens[1]!)).body.items).toEqual([]);
      const leaked = await api('POST', '/v1/me/documents', tokens[0]!, {
        type: 'national-id',
        holderKey: { ...wallet.publicJwk, d: 'c2VjcmV0' },
      });
      expect(leaked.status).toBe(400);
      expect(leaked.body.errors[0].pointer).toBe('/holderKey');

      expect(
        (await api('POST', `/v1/me/documents/${issued.body.id}/revoke`, tokens[1]!, { reason: 'not mine' }))
          .status,
      ).toBe(404);
      expect(
        (await api('POST', `/v1/me/documents/${issued.body.id}/revoke`, tokens[0]!, { reason: 'phone lost' }))
          .status,
      ).toBe(204);
      const after = await verifyPresentation(presentation, {
        trustList,
        statusList,
        now: new Date(),
        maxAgeSeconds: 300,
      });
      expect(after).toMatchObject({ valid: false, reason: 'revoked' });
      const refused = await cli(['documents', 'verify', '--jokko', base, presentation]);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/^NOT VALID \(revoked\)/);
      const mine = (await api('GET', '/v1/me/documents', tokens[0]!)).body.items;
      expect(mine[0]).toMatchObject({ id: issued.body.id, revokedReason: 'phone lost' });
    });

    it('issues a driving licence from the DTTR register through the bridge, seen in the data tracker', async () => {
      const wallet = await holderKeyPair();
      const issued = await api('POST', '/v1/me/documents', tokens[1]!, {
        type: 'driving-licence',
        holderKey: wallet.publicJwk,
      });
      expect(issued.status).toBe(201);
      expect(issued.body.issuer).toBe('DTTR');
      const { trustList, statusList } = await verifierCache();
      const presentation = await presentCredential({
        credential: issued.body.credential,
        disclose: ['licence_number', 'categories', 'expiry_date'],
        holderKey: wallet.privateKey,
        audience: 'https://gendarmerie.example',
        nonce: 'n-0002',
        now: new Date(),
      });
      const checked = await verifyPresentation(presentation, {
        trustList,
        statusList,
        now: new Date(),
        maxAgeSeconds: 300,
      });
      expect(checked, JSON.stringify(checked)).toMatchObject({ valid: true, issuer: { identifier: 'DTTR' } });
      expect(Object.keys((checked as { claims: object }).claims).sort()).toEqual([
        'categories',
        'expiry_date',
        'licence_number',
      ]);
      // Someone else's key cannot present it.
      const thief = await holderKeyPair();
      const stolen = await presentCredential({
        credential: issued.body.credential,
        disclose: ['licence_number'],
        holderKey: thief.privateKey,
        audience: 'https://gendarmerie.example',
        nonce: 'n-0003',
        now: new Date(),
      });
      expect(
        await verifyPresentation(stolen, { trustList, statusList, now: new Date(), maxAgeSeconds: 300 }),
      ).toMatchObject({
        valid: false,
        reason: 'holder-binding',
      });
      const tracker = (await api('GET', '/v1/me/data-accesses?limit=50', tokens[1]!)).body.items as Array<{
        client: string;
      }>;
      expect(tracker.some((r) => r.client === 'SN/GOV/DTTR/documents')).toBe(true);
      // A citizen without a licence gets a clear answer.
      const none = await api('POST', '/v1/me/documents', tokens[0]!, {
        type: 'driving-licence',
        holderKey: wallet.publicJwk,
      });
      expect(none.status).toBe(404);
      expect(none.body.type).toBe(problemType('not-found'));
    });

    it("prints a document on paper: the PDF's QR verifies as a paper copy, in a browser-free check and from the CLI", async () => {
      const res = await undiciRequest(`${base}/v1/me/documents/paper`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens[1]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'driving-licence', language: 'wo' }),
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      const pdf = new Uint8Array(await res.body.arrayBuffer());
      const url = await readQrFromPdf(pdf);
      expect(url.startsWith(`${base}/verify#`)).toBe(true);
      const credential = url.slice(url.indexOf('#') + 1);
      expect(credential.endsWith('~')).toBe(true);
      const { trustList, statusList } = await verifierCache();
      const checked = await verifyCredential(credential, { trustList, statusList, now: new Date() });
      expect(checked).toMatchObject({
        valid: true,
        issuer: { identifier: 'DTTR' },
        documentType: 'driving-licence',
      });
      expect((checked as { claims: Record<string, unknown> }).claims).toMatchObject({ nin: people[1]!.nin });
      // Nobody can present it as a wallet would: its key was thrown away.
      expect(
        await verifyPresentation(credential, { trustList, statusList, now: new Date(), maxAgeSeconds: 300 }),
      ).toMatchObject({
        valid: false,
        reason: 'holder-binding',
      });
    });

    it('follows the registries: a suspended licence and a death revoke the documents made from them', async () => {
      const deps = createDocumentsDeps({
        database: t.db.database,
        audit: createAuditLog(t.db.database),
        clock: () => new Date(),
        kms: createKmsFromConfig(t.config.kms),
        country: getCountryProfile('SN'),
        publicUrl: base,
      });
      const wallet = await holderKeyPair();
      const id = await api('POST', '/v1/me/documents', tokens[0]!, {
        type: 'national-id',
        holderKey: wallet.publicJwk,
      });
      expect(id.status).toBe(201);
      // Nothing changed: nothing revoked.
      const first = await reconcileDocuments(deps, 100);
      expect(first.checked).toBeGreaterThanOrEqual(2);
      expect(first.revoked).toBe(0);

      await t.db.database.query("UPDATE driving_licences SET status = 'suspended' WHERE holder_nin = $1", [
        people[1]!.nin,
      ]);
      await t.db.database.query('UPDATE people SET death_date = CURRENT_DATE WHERE nin = $1', [
        people[0]!.nin,
      ]);
      const second = await reconcileDocuments(deps, 100);
      expect(second.revoked).toBeGreaterThanOrEqual(2);
      const reasons = await t.db.database.query<{ type: string; revoked_reason: string }>(
        "SELECT type, revoked_reason FROM documents_credentials WHERE revoked_reason <> 'phone lost' ORDER BY type",
      );
      expect(reasons.map((r) => [r.type, r.revoked_reason])).toEqual(
        expect.arrayContaining([
          ['driving-licence', 'the driving-licences record is suspended'],
          ['national-id', 'the holder is registered as deceased'],
        ]),
      );
      const { trustList, statusList } = await verifierCache();
      const shown = await presentCredential({
        credential: id.body.credential,
        disclose: ['family_name'],
        holderKey: wallet.privateKey,
        audience: 'https://police.example',
        nonce: 'n-0009',
        now: new Date(),
      });
      expect(
        await verifyPresentation(shown, { trustList, statusList, now: new Date(), maxAgeSeconds: 300 }),
      ).toMatchObject({
        valid: false,
        reason: 'revoked',
      });
    });

    it('publishes status lists and the trust list publicly, cacheable, and refuses what is not a citizen in the app', async () => {
      const list = await api('GET', '/v1/documents/status/DAF/1', '');
      expect(list.status).toBe(200);
      expect(list.headers['content-type']).toContain('application/statuslist+jwt');
      expect(list.headers['cache-control']).toBe('public, max-age=300');
      expect((await api('GET', '/v1/documents/status/DAF/99', '')).status).toBe(404);
      const operator = await t.keyFor({ kind: 'operator', roles: ['documents:admin'] });
      expect(
        (await api('POST', '/v1/me/documents', operator, { type: 'national-id', holderKey: {} })).status,
      ).toBe(403);
      expect((await api('GET', '/v1/me/documents', '')).status).toBe(401);
      // The operators' revocation is theirs: a citizen's token (even the holder's) is refused there.
      const someId = '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f';
      expect(
        (await api('POST', `/v1/documents/${someId}/revoke`, tokens[1]!, { reason: 'test' })).status,
      ).toBe(403);
      expect(
        (await api('POST', `/v1/documents/${someId}/revoke`, operator, { reason: 'court order' })).status,
      ).toBe(404);
    });
  },
);
