import { createHash, generateKeyPairSync } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { JWK } from 'jose';
import * as client from 'openid-client';
import { request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ExchangeProof,
  type ExchangeProofFailure,
  verifyExchangeProof,
  verifyTreeHead,
} from '../../../shared/audit/evidence.ts';
import { type InclusionProof, type TreeHead, verifyInclusion } from '../../../shared/audit/merkle.ts';
import { getCountryProfile } from '../../../shared/countries/index.ts';
import { buildApp } from '../../app.ts';
import { testEngines } from '../../platform/db/testing.ts';
import { problemType } from '../../platform/http/problems.ts';
import { createTestApp, freePort, type TestApp } from '../../testing.ts';
import { type AuditEntry, createAuditLog, leafHashOf } from '../audit/index.ts';
import {
  createBridgeClient,
  type ExchangeRecord,
  publishReferenceServices,
  recordHash,
  registerDemoBridgeClient,
} from '../bridge/index.ts';
import { createAccount, registerClient, runLogin, superAppClientId } from '../identity/index.ts';
import { listPeople, seedDemoCountry } from '../registries/index.ts';
import { remindExpiringConsents, verifyArtefact } from './index.ts';

const people = 'SN/GOV/DAF/registries/people/v1';
const vehicles = 'SN/GOV/DTTR/registries/vehicles/v1';
const password = 'Baobab-sous-la-pluie-2026';
const secret = 'a-long-random-secret-for-the-super-app-0123456789';

describe.each(testEngines())(
  'consent: a partner reads citizen data only under their consent, on %s',
  (kind) => {
    let t: TestApp;
    let base: string;
    let operator: string;
    let partnerKey: string;
    let kycSubsystem: string;
    const nins: string[] = [];
    const tokens: string[] = [];
    const bankKey = generateKeyPairSync('ed25519');
    let bank: ReturnType<typeof createBridgeClient>;
    let consentKeys: Array<Record<string, unknown>>;

    const api = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await undiciRequest(`${base}/v1${path}`, {
        method: method as 'GET',
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await res.body.text();
      return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
    };
    const ask = (nin: string, overrides: Record<string, unknown> = {}) =>
      api('POST', '/consents/requests', partnerKey, {
        partnerSubsystemId: kycSubsystem,
        nin,
        services: [people],
        purpose: 'account-opening',
        validDays: 30,
        frequency: { type: 'recurring', perDay: 1000 },
        dataLifeDays: 90,
        ...overrides,
      });
    const approve = async (citizen: number, requestId: string) => {
      const res = await api('POST', `/me/consent-requests/${requestId}/decision`, tokens[citizen] ?? '', {
        decision: 'approve',
      });
      expect(res.status).toBe(200);
      return res.body.consent as { id: string; artefact: string; status: string; revision: number };
    };
    const read = (consentId: string | undefined, subject: string, service = people) =>
      bank.call({
        service,
        path: service === people ? `/people/${subject}` : `/people/${subject}/vehicles`,
        subject,
        ...(consentId ? { consent: consentId } : {}),
      });

    beforeAll(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      t = await createTestApp(kind, { PUBLIC_URL: base });
      const database = t.db.database;
      await seedDemoCountry(database, { profile: getCountryProfile('SN'), people: 40, seed: 'consent' });
      await t.app.listen({ host: '127.0.0.1', port });
      await publishReferenceServices(database, createAuditLog(database), {
        instance: 'SN',
        registriesUrl: `${base}/v1/registries`,
        kms: t.kms,
      });
      const adults = (
        await listPeople(
          { database, audit: createAuditLog(database), country: getCountryProfile('SN') },
          { kind: 'system', id: 'test', roles: ['*'] },
          { limit: 40 },
        )
      ).people.filter((p) => !p.deathDate && p.birthDate < '2006-01-01');
      for (const p of adults.slice(0, 2)) {
        nins.push(p.nin);
        await createAccount(database, p.nin, password);
      }
      await registerClient(
        database,
        {
          client_id: superAppClientId,
          client_secret: secret,
          client_name: 'Jokko',
          grant_types: ['authorization_code'],
          response_types: ['code'],
          redirect_uris: ['https://app.jokko.example/cb'],
        },
        t.kms,
      );
      const superApp = await client.discovery(new URL(`${base}/oidc`), superAppClientId, secret, undefined, {
        execute: [client.allowInsecureRequests],
      });
      for (const nin of nins) {
        const outcome = await runLogin(superApp, {
          scope: 'openid',
          redirectUri: 'https://app.jokko.example/cb',
          nin,
          password,
        });
        if (outcome.kind !== 'callback') throw new Error(`login stopped on a page: ${outcome.status}`);
        const grant = await client.authorizationCodeGrant(superApp, outcome.callback, {
          pkceCodeVerifier: outcome.verifier,
          expectedState: outcome.state,
        });
        tokens.push(grant.access_token);
      }

      operator = await t.keyFor({ kind: 'operator', roles: ['bridge:admin'] });
      const [org] = await database.query<{ id: string }>(
        "SELECT id FROM organisations WHERE identifier = 'BTERANGA'",
      );
      partnerKey = await t.keyFor({
        kind: 'partner',
        roles: ['bridge:member', 'consent:request'],
        organisationId: org?.id ?? '',
      });
      const member = await api('POST', '/bridge/members', partnerKey, {
        organisation: 'BTERANGA',
        subsystems: [
          {
            code: 'kyc',
            keys: [
              { keyid: 'kyc-1', alg: 'ed25519', publicKeyJwk: bankKey.publicKey.export({ format: 'jwk' }) },
            ],
          },
        ],
      });
      await api('POST', `/bridge/members/${member.body.id}/decision`, operator, { decision: 'approve' });
      kycSubsystem = member.body.subsystems[0].id;
      const services = (await api('GET', '/bridge/services', operator)).body.items as Array<{
        id: string;
        serviceId: string;
      }>;
      for (const s of services.filter((x) => x.serviceId === people || x.serviceId === vehicles))
        expect(
          (
            await api('POST', '/bridge/rights', operator, {
              serviceId: s.id,
              clientSubsystemId: kycSubsystem,
            })
          ).status,
        ).toBe(201);
      bank = createBridgeClient({
        bridgeUrl: base,
        client: 'SN/COM/BTERANGA/kyc',
        keyid: 'kyc-1',
        privateKey: bankKey.privateKey,
        alg: 'ed25519',
      });
      consentKeys = (await api('GET', '/consents/keys', operator)).body.keys;
    });
    afterAll(async () => t.dispose());

    it('the decoupled flow: the bank asks by NIN, the citizen approves in the app, a signed artefact is issued', async () => {
      const asked = await ask(nins[0] ?? '');
      expect(asked.status).toBe(201);
      expect(asked.body).toMatchObject({
        status: 'pending',
        partner: 'SN/COM/BTERANGA/kyc',
        items: [{ service: people }],
      });
      const [notice] = await t.db.database.query<{ recipient: string; template: string }>(
        "SELECT recipient, template FROM notify_outbox WHERE template = 'consent-request'",
      );
      expect(notice).toEqual({ recipient: nins[0], template: 'consent-request' });
      const mine = await api('GET', '/me/consent-requests', tokens[0] ?? '');
      expect(mine.body.items.map((r: { id: string }) => r.id)).toEqual([asked.body.id]);
      expect((await api('GET', '/me/consent-requests', tokens[1] ?? '')).body.items).toEqual([]);
      // Another citizen cannot decide on it, nor learn that it exists.
      expect(
        (
          await api('POST', `/me/consent-requests/${asked.body.id}/decision`, tokens[1] ?? '', {
            decision: 'approve',
          })
        ).status,
      ).toBe(404);

      const consent = await approve(0, asked.body.id);
      expect(consent.status).toBe('ACTIVE');
      const checked = await verifyArtefact(consent.artefact, consentKeys);
      expect(checked).toMatchObject({
        ok: true,
        claims: {
          jti: consent.id,
          rev: 1,
          prev: null,
          sub: nins[0],
          partner: 'SN/COM/BTERANGA/kyc',
          status: 'ACTIVE',
        },
      });
      const polled = await api('GET', `/consents/requests/${asked.body.id}`, partnerKey);
      expect(polled.body).toMatchObject({ status: 'approved', consentId: consent.id });
      expect(
        (
          await api('POST', `/me/consent-requests/${asked.body.id}/decision`, tokens[0] ?? '', {
            decision: 'deny',
          })
        ).status,
      ).toBe(409);

      const answer = await read(consent.id, nins[0] ?? '');
      expect(answer.status).toBe(200);
      expect(answer.json()).toMatchObject({ nin: nins[0] });
      const [logged] = await t.db.database.query<{ consent_id: string }>(
        "SELECT consent_id FROM bridge_message_log WHERE client = 'SN/COM/BTERANGA/kyc' AND status = 200",
      );
      expect(logged?.consent_id).toBe(consent.id);
    });

    it('refuses a call without consent, for another citizen, for an uncovered service, and a forged artefact', async () => {
      const consent = (await api('GET', '/me/consents', tokens[0] ?? '')).body.items[0] as {
        id: string;
        artefact: string;
      };
      const none = await read(undefined, nins[0] ?? '');
      expect(none.json()).toMatchObject({ status: 403, type: problemType('bridge-consent-required') });
      const otherCitizen = await read(consent.id, nins[1] ?? '');
      expect(otherCitizen.json()).toMatchObject({ status: 403, type: problemType('consent-invalid') });
      const uncovered = await read(consent.id, nins[0] ?? '', vehicles);
      expect(uncovered.json()).toMatchObject({ status: 403, type: problemType('consent-invalid') });
      const [header, payload, signature] = consent.artefact.split('.');
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
      const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, items: [{ service: vehicles }] })).toString('base64url')}.${signature}`;
      expect((await verifyArtefact(forged, consentKeys)).ok).toBe(false);
    });

    it('another partner cannot use the consent, even an administration with a legal basis', async () => {
      const consent = (await api('GET', '/me/consents', tokens[0] ?? '')).body.items[0] as { id: string };
      const key = generateKeyPairSync('ed25519');
      const clientId = await registerDemoBridgeClient(t.db.database, createAuditLog(t.db.database), {
        instance: 'SN',
        keyid: 'gov-1',
        publicJwk: key.publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
      });
      const gov = createBridgeClient({
        bridgeUrl: base,
        client: clientId ?? '',
        keyid: 'gov-1',
        privateKey: key.privateKey,
        alg: 'ed25519',
      });
      let answer = await gov.call({
        service: people,
        path: `/people/${nins[0]}`,
        subject: nins[0],
        consent: consent.id,
      });
      for (let i = 0; i < 40 && answer.status === 401; i++) {
        await new Promise((r) => setTimeout(r, 50)); // the new client reaches the catalogue snapshot
        answer = await gov.call({
          service: people,
          path: `/people/${nins[0]}`,
          subject: nins[0],
          consent: consent.id,
        });
      }
      expect(answer.json()).toMatchObject({ status: 403, type: problemType('consent-invalid') });
    });

    it('pause and revoke take effect at once, on another node too, and each change is a chained revision', async () => {
      const consent = (await api('GET', '/me/consents', tokens[0] ?? '')).body.items[0] as {
        id: string;
        artefact: string;
      };
      const paused = await api('POST', `/me/consents/${consent.id}/status`, tokens[0] ?? '', {
        action: 'pause',
      });
      expect(paused.body).toMatchObject({ status: 'PAUSED', revision: 2 });
      expect((await read(consent.id, nins[0] ?? '')).json()).toMatchObject({
        type: problemType('consent-inactive'),
      });
      const resumed = await api('POST', `/me/consents/${consent.id}/status`, tokens[0] ?? '', {
        action: 'resume',
      });
      expect(resumed.body.status).toBe('ACTIVE');
      expect((await read(consent.id, nins[0] ?? '')).status).toBe(200);

      const other = await buildApp({
        config: t.config,
        database: t.db.database,
        logStream: new PassThrough(),
        webDir: '/none',
      });
      await other.ready();
      try {
        const viaOther = async () => {
          const signed = await bank.sign({
            service: people,
            path: `/people/${nins[0]}`,
            subject: nins[0],
            consent: consent.id,
          });
          return other.inject({ method: 'GET', url: signed.path, headers: signed.headers });
        };
        // The other node holds the consent in its view before the revocation.
        expect((await viaOther()).statusCode).toBe(200);
        const revoked = await api('POST', `/me/consents/${consent.id}/status`, tokens[0] ?? '', {
          action: 'revoke',
        });
        expect(revoked.body).toMatchObject({ status: 'REVOKED', revision: 4 });
        // This node forgets it at once; the other within a second.
        expect((await read(consent.id, nins[0] ?? '')).json()).toMatchObject({
          type: problemType('consent-inactive'),
        });
        const started = Date.now();
        let refused = await viaOther();
        while (refused.statusCode === 200 && Date.now() - started < 3000) {
          await new Promise((r) => setTimeout(r, 50));
          refused = await viaOther();
        }
        expect(Date.now() - started).toBeLessThan(1000);
        expect(refused.json()).toMatchObject({ type: problemType('consent-inactive') });
      } finally {
        await other.close();
      }
      // Each revision names the one before; the partner can check the chain offline.
      const revisions = await t.db.database.query<{ artefact: string }>(
        'SELECT artefact FROM consent_revisions WHERE consent_id = $1 ORDER BY revision',
        [consent.id],
      );
      for (let i = 1; i < revisions.length; i++)
        expect(
          (await verifyArtefact(revisions[i]?.artefact ?? '', consentKeys, revisions[i - 1]?.artefact)).ok,
        ).toBe(true);
      expect(
        (await verifyArtefact(revisions[3]?.artefact ?? '', consentKeys, revisions[1]?.artefact)).ok,
      ).toBe(false);
      expect(
        (await api('POST', `/me/consents/${consent.id}/status`, tokens[0] ?? '', { action: 'resume' }))
          .status,
      ).toBe(409);
    });

    it('counts frequency: a one-off consent serves one call, a recurring one its daily number', async () => {
      const once = await approve(1, (await ask(nins[1] ?? '', { frequency: { type: 'once' } })).body.id);
      expect((await read(once.id, nins[1] ?? '')).status).toBe(200);
      const again = await read(once.id, nins[1] ?? '');
      expect(again.json()).toMatchObject({ status: 429, type: problemType('consent-frequency-exceeded') });
      const daily = await approve(
        1,
        (await ask(nins[1] ?? '', { frequency: { type: 'recurring', perDay: 2 } })).body.id,
      );
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await read(daily.id, nins[1] ?? '')).status);
      expect(statuses).toEqual([200, 200, 429]);
    });

    it('the data tracker shows the citizen every access and attempt, exportable, and tells of first use', async () => {
      const mine = await api('GET', '/me/data-accesses?limit=50', tokens[0] ?? '');
      expect(mine.status).toBe(200);
      const items = mine.body.items as Array<{
        client: string;
        organisation: string;
        basis: string | null;
        refused: boolean;
      }>;
      const consent = (await api('GET', '/me/consents', tokens[0] ?? '')).body.items[0] as { id: string };
      expect(
        items.some((a) => a.client === 'SN/COM/BTERANGA/kyc' && a.basis === consent.id && !a.refused),
      ).toBe(true);
      expect(items.some((a) => a.client === 'SN/COM/BTERANGA/kyc' && a.refused)).toBe(true);
      expect(items[0]?.organisation).toBeTruthy();
      // Citizen b's accesses are not in a's tracker.
      const other = (await api('GET', '/me/data-accesses', tokens[1] ?? '')).body.items as Array<{
        basis: string;
      }>;
      expect(other.some((a) => a.basis === consent.id)).toBe(false);
      const csv = await undiciRequest(`${base}/v1/me/data-accesses?format=csv`, {
        headers: { authorization: `Bearer ${tokens[0]}` },
      });
      expect(csv.headers['content-type']).toMatch(/text\/csv/);
      const text = await csv.body.text();
      expect(text.split('\r\n')[0]).toBe('at,client,organisation,service,endpoint,basis,status,refused');
      expect(text).toContain(consent.id);
      const notices = await t.db.database.query<{ recipient: string }>(
        "SELECT recipient FROM notify_outbox WHERE template = 'consent-first-use'",
      );
      expect(notices.map((n) => n.recipient)).toContain(nins[0]);
    });

    it('proves to the citizen that an exchange about them is in the transparency log, and to no one else', async () => {
      const items = (await api('GET', '/me/data-accesses?limit=50', tokens[0] ?? '')).body.items as Array<{
        id: string;
      }>;
      const id = items[0]?.id ?? '';
      const res = await api('GET', `/me/data-accesses/${id}/proof`, tokens[0] ?? '');
      expect(res.status).toBe(200);
      const proof = res.body as {
        record: ExchangeRecord;
        recordHash: string;
        batchRecordHashes: string[];
        audit: { entry: AuditEntry; leafHash: string; inclusion: InclusionProof; treeHead: TreeHead };
      };
      // Everything is recomputed from the record up; nothing the server says is taken as is.
      expect(recordHash(proof.record).toString('hex')).toBe(proof.recordHash);
      const position = (proof.audit.entry.details as { ids: string[] }).ids.indexOf(proof.record.id);
      expect(proof.batchRecordHashes[position]).toBe(proof.recordHash);
      expect(createHash('sha256').update(proof.batchRecordHashes.join('\n')).digest('hex')).toBe(
        (proof.audit.entry.details as { digest: string }).digest,
      );
      expect(leafHashOf(proof.audit.entry).toString('hex')).toBe(proof.audit.leafHash);
      expect(
        await verifyInclusion(proof.audit.leafHash, proof.audit.inclusion, proof.audit.treeHead.rootHash),
      ).toBe(true);
      const keys = ((await (await fetch(`${base}/v1/audit/log-keys`)).json()) as { keys: JWK[] }).keys;
      expect(await verifyTreeHead(proof.audit.treeHead, keys)).toBe(true);
      // The portable check the super-app runs on the phone agrees, and names the step a forgery breaks.
      const shared = proof as unknown as ExchangeProof;
      expect(await verifyExchangeProof(shared, keys)).toEqual({ ok: true, treeHead: proof.audit.treeHead });
      const forged: Array<[ExchangeProof, ExchangeProofFailure]> = [
        [{ ...shared, record: { ...shared.record, client: 'SN/COM/0000000/other' } }, 'record'],
        [{ ...shared, batchRecordHashes: [...shared.batchRecordHashes, proof.recordHash] }, 'batch'],
        [
          { ...shared, audit: { ...shared.audit, entry: { ...shared.audit.entry, outcome: 'failure' } } },
          'entry',
        ],
        [
          {
            ...shared,
            audit: { ...shared.audit, treeHead: { ...shared.audit.treeHead, rootHash: '0'.repeat(64) } },
          },
          'inclusion',
        ],
      ];
      for (const [bad, step] of forged)
        expect(await verifyExchangeProof(bad, keys), step).toEqual({ ok: false, failed: step });
      expect(await verifyExchangeProof(shared, [])).toEqual({ ok: false, failed: 'signature' });
      // Another citizen asking for it learns nothing, not even that it exists.
      const other = await api('GET', `/me/data-accesses/${id}/proof`, tokens[1] ?? '');
      expect(other.status).toBe(404);
      expect((await api('GET', '/me/data-accesses/not-a-uuid/proof', tokens[0] ?? '')).status).toBe(400);
    });

    it('passes on only the fields the citizen consented to', async () => {
      const fields = ['nin', 'givenNames', 'familyName', 'birthDate'];
      const asked = await ask(nins[1] ?? '', { fields: { [people]: fields } });
      expect(asked.body.items).toEqual([{ service: people, fields }]);
      const consent = await approve(1, asked.body.id);
      const claims = await verifyArtefact(consent.artefact, consentKeys);
      expect(claims.ok && claims.claims.items).toEqual([{ service: people, fields }]);
      const answer = await read(consent.id, nins[1] ?? '');
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.json() as object).sort()).toEqual([...fields].sort());
      expect((await ask(nins[1] ?? '', { fields: { [vehicles]: ['plate'] } })).status).toBe(400);
      expect((await ask(nins[1] ?? '', { fields: { [people]: ['address.line'] } })).status).toBe(400);
    });

    it('refuses a consent whose period has ended, and tells the citizen a week before the end, once', async () => {
      const consent = await approve(1, (await ask(nins[1] ?? '', { validDays: 30 })).body.id);
      expect((await read(consent.id, nins[1] ?? '')).status).toBe(200);
      const database = t.db.database;
      const clockAt = (days: number) => () => new Date(Date.now() + days * 86_400_000);
      expect(await remindExpiringConsents({ database, clock: clockAt(20) })).toBe(0);
      expect(await remindExpiringConsents({ database, clock: clockAt(24) })).toBeGreaterThanOrEqual(1);
      expect(await remindExpiringConsents({ database, clock: clockAt(25) })).toBe(0);
      const reminders = await database.query<{ recipient: string; payload: { consentId: string } }>(
        "SELECT recipient, payload FROM notify_outbox WHERE template = 'consent-expiring'",
      );
      expect(reminders.filter((r) => r.payload.consentId === consent.id).map((r) => r.recipient)).toEqual([
        nins[1],
      ]);
      // Its period ends (as time would end it): the next call is refused on this node within a second.
      await database.query("UPDATE consents SET valid_until = now() - interval '1 second' WHERE id = $1", [
        consent.id,
      ]);
      await new Promise((r) => setTimeout(r, 900));
      const late = await read(consent.id, nins[1] ?? '');
      expect(late.json()).toMatchObject({ status: 403, type: problemType('consent-inactive') });
      const mine = (await api('GET', '/me/consents', tokens[1] ?? '')).body.items as Array<{
        id: string;
        status: string;
      }>;
      expect(mine.find((c) => c.id === consent.id)?.status).toBe('EXPIRED');
    });

    it("the app's inbox and records show each citizen their own, and only to the Jokko app", async () => {
      const [a, b] = await Promise.all([
        api('GET', '/me/inbox', tokens[0] ?? ''),
        api('GET', '/me/inbox', tokens[1] ?? ''),
      ]);
      expect(a.status).toBe(200);
      const requestsOf = (body: { items: Array<{ template: string; payload: { requestId?: string } }> }) =>
        body.items.filter((m) => m.template === 'consent-request').map((m) => m.payload.requestId);
      const mine = await t.db.database.query<{ id: string; nin: string }>(
        "SELECT id, nin FROM consent_requests WHERE flow = 'decoupled'",
      );
      expect(requestsOf(a.body).sort()).toEqual(
        mine
          .filter((r) => r.nin === nins[0])
          .map((r) => r.id)
          .sort(),
      );
      expect(requestsOf(b.body).sort()).toEqual(
        mine
          .filter((r) => r.nin === nins[1])
          .map((r) => r.id)
          .sort(),
      );
      const records = await api('GET', '/me/records', tokens[0] ?? '');
      expect(records.status).toBe(200);
      for (const group of records.body.items as Array<{ records: Array<Record<string, unknown>> }>)
        for (const r of group.records)
          expect(
            Object.entries(r)
              .filter(([k]) => /Nin$/.test(k) && k !== 'fatherNin' && k !== 'motherNin')
              .map(([, v]) => v),
          ).toContain(nins[0]);
      // A partner's key, an operator's key: not a citizen in the app.
      expect((await api('GET', '/me/inbox', partnerKey)).status).toBe(403);
      expect((await api('GET', '/me/records', operator)).status).toBe(403);
      expect((await api('GET', '/me/inbox', '')).status).toBe(401);
    });

    it('only the partner asks, only for personal-data services, and only the app decides', async () => {
      expect(
        (
          await api('POST', '/consents/requests', operator, {
            partnerSubsystemId: kycSubsystem,
            nin: nins[0],
            services: [people],
            purpose: 'account-opening',
            validDays: 1,
            frequency: { type: 'once' },
            dataLifeDays: 0,
          })
        ).status,
      ).toBe(403);
      expect((await ask(nins[0] ?? '', { purpose: 'marketing' })).status).toBe(400);
      expect((await ask(nins[0] ?? '', { services: ['SN/GOV/DAF/registries/nothing/v1'] })).status).toBe(400);
      expect((await ask('123')).status).toBe(400);
      const denied = await ask(nins[0] ?? '');
      const res = await api('POST', `/me/consent-requests/${denied.body.id}/decision`, tokens[0] ?? '', {
        decision: 'deny',
      });
      expect(res.body).toMatchObject({ request: { status: 'denied' }, consent: null });
    });
  },
);
