import { generateKeyPairSync } from 'node:crypto';
import * as client from 'openid-client';
import { request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../../../shared/countries/index.ts';
import { testEngines } from '../../platform/db/testing.ts';
import { problemType } from '../../platform/http/problems.ts';
import { createTestApp, freePort, type TestApp } from '../../testing.ts';
import { createAuditLog } from '../audit/index.ts';
import { createBridgeClient, publishReferenceServices } from '../bridge/index.ts';
import { verifyArtefact } from '../consent/index.ts';
import { createAccount, runLogin } from '../identity/index.ts';
import { listPeople, seedDemoCountry } from '../registries/index.ts';

const people = 'SN/GOV/DAF/registries/people/v1';
const taxes = 'SN/GOV/DGID/registries/tax-records/v1';
const password = 'Baobab-sous-la-pluie-2026';
const redirectUri = 'http://localhost:4999/callback';

describe.each(testEngines())(
  'partners: apply, approval, "Log in with Jokko" with a data request, on %s',
  (kind) => {
    let t: TestApp;
    let base: string;
    let operator: string;
    const nins: string[] = [];
    const bankKey = generateKeyPairSync('ed25519');
    let application: { id: string; token: string };
    let credentials: {
      apiKey: string;
      oidc: { clientId: string; clientSecret: string; issuer: string };
      bridge: { client: string; subsystemId: string };
    };
    let rp: client.Configuration;

    const api = async (
      method: string,
      path: string,
      options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
    ) => {
      const res = await undiciRequest(`${base}/v1${path}`, {
        method: method as 'GET',
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        body: options.body === undefined ? null : JSON.stringify(options.body),
      });
      const text = await res.body.text();
      return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
    };
    const bankApplication = (overrides: Record<string, unknown> = {}) => ({
      organisation: 'BTERANGA',
      legalName: 'Banque Teranga SA',
      contact: { name: 'Awa Ndiaye', email: 'integration@teranga.example', phone: '+221770000001' },
      purpose: 'Loan applications: identity, address, tax status and land titles pre-filled with consent.',
      services: [people, taxes],
      subsystemCode: 'loans',
      keys: [{ keyid: 'loans-1', alg: 'ed25519', publicKeyJwk: bankKey.publicKey.export({ format: 'jwk' }) }],
      redirectUris: [redirectUri],
      ...overrides,
    });
    const redirectRequest = (overrides: Record<string, unknown> = {}) =>
      api('POST', '/consents/requests', {
        token: credentials.apiKey,
        body: {
          partnerSubsystemId: credentials.bridge.subsystemId,
          services: [people, taxes],
          fields: { [people]: ['nin', 'givenNames', 'familyName', 'birthDate', 'address'] },
          purpose: 'credit-assessment',
          validDays: 30,
          frequency: { type: 'recurring', perDay: 10 },
          dataLifeDays: 365,
          ...overrides,
        },
      });
    const signIn = (
      nin: string,
      requestId: string,
      extra: { deny?: boolean; onPage?: (html: string) => void } = {},
    ) =>
      runLogin(rp, {
        scope: 'openid',
        redirectUri,
        nin,
        password,
        params: { consent_request: requestId },
        ...(extra.deny ? { deny: true } : {}),
        ...(extra.onPage ? { onConsentPage: extra.onPage } : {}),
      });

    beforeAll(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      t = await createTestApp(kind, { PUBLIC_URL: base });
      const database = t.db.database;
      await seedDemoCountry(database, { profile: getCountryProfile('SN'), people: 30, seed: 'partners' });
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
          { limit: 30 },
        )
      ).people.filter((p) => !p.deathDate && p.birthDate < '2006-01-01');
      for (const p of adults.slice(0, 2)) {
        nins.push(p.nin);
        await createAccount(database, p.nin, password);
      }
      operator = await t.keyFor({ kind: 'operator', roles: ['partners:admin'] });
    });
    afterAll(async () => t.dispose());

    it('refuses a bad application with a problem naming the field, and keeps nothing', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ organisation: 'NOSUCHCO' }, '/organisation'],
        [{ organisation: 'DGID' }, '/organisation'],
        [
          {
            keys: [
              { keyid: 'k', alg: 'ed25519', publicKeyJwk: bankKey.privateKey.export({ format: 'jwk' }) },
            ],
          },
          '/keys/0/publicKeyJwk',
        ],
        [{ redirectUris: ['http://bank.example/cb'] }, '/redirectUris/0'],
        [{ services: ['SN/GOV/DAF/registries/nothing/v1'] }, '/services/0'],
      ];
      for (const [overrides, pointer] of cases) {
        const res = await api('POST', '/partners/applications', { body: bankApplication(overrides) });
        expect(res.status, pointer).toBe(400);
        expect(res.body.type).toBe(problemType('validation-failed'));
        expect(res.body.errors[0].pointer).toBe(pointer);
      }
      const [{ n }] = (await t.db.database.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM partner_applications',
      )) as [{ n: number }];
      expect(n).toBe(0);
    });

    it('a bank applies, follows its application with its token only, and an operator approves it', async () => {
      const res = await api('POST', '/partners/applications', { body: bankApplication() });
      expect(res.status).toBe(201);
      application = { id: res.body.application.id, token: res.body.token };
      expect(res.body.application).toMatchObject({ status: 'pending', environment: 'production' });
      expect(
        (await api('POST', '/partners/applications', { body: bankApplication() })).status,
        'the same subsystem twice',
      ).toBe(409);

      expect((await api('GET', `/partners/applications/${application.id}`)).status).toBe(404);
      expect(
        (
          await api('GET', `/partners/applications/${application.id}`, {
            headers: { 'x-application-token': 'jpa_wrong' },
          })
        ).status,
      ).toBe(404);
      const mine = await api('GET', `/partners/applications/${application.id}`, {
        headers: { 'x-application-token': application.token },
      });
      expect(mine.body).toMatchObject({ status: 'pending', registeredName: 'Banque Teranga (fictive)' });
      expect(
        (
          await api('POST', `/partners/applications/${application.id}/credentials`, {
            headers: { 'x-application-token': application.token },
          })
        ).status,
        'nothing to collect before approval',
      ).toBe(409);

      const stranger = await t.keyFor({ kind: 'partner', roles: ['consent:request'] });
      expect(
        (
          await api('POST', `/partners/applications/${application.id}/decision`, {
            token: stranger,
            body: { decision: 'approve' },
          })
        ).status,
      ).toBe(403);
      const pending = await api('GET', '/partners/applications?status=pending', { token: operator });
      expect(pending.body.items.map((a: { id: string }) => a.id)).toEqual([application.id]);
      const approved = await api('POST', `/partners/applications/${application.id}/decision`, {
        token: operator,
        body: { decision: 'approve', reason: 'KYC file complete' },
      });
      expect(approved.status).toBe(200);
      expect(approved.body).toMatchObject({
        status: 'approved',
        bridgeClient: 'SN/COM/BTERANGA/loans',
        oidcClientId: 'bteranga-loans',
      });

      const collected = await api('POST', `/partners/applications/${application.id}/credentials`, {
        headers: { 'x-application-token': application.token },
      });
      expect(collected.status).toBe(200);
      credentials = collected.body;
      expect(credentials.apiKey).toMatch(/^jk_/);
      expect(
        (
          await api('POST', `/partners/applications/${application.id}/credentials`, {
            headers: { 'x-application-token': application.token },
          })
        ).status,
        'secrets are handed over once',
      ).toBe(409);
      const stored = await t.db.database.query<{ payload: string }>(
        'SELECT payload::text AS payload FROM partner_applications a, LATERAL (SELECT row_to_json(a) AS payload) p',
      );
      expect(JSON.stringify(stored)).not.toContain(credentials.apiKey);

      const rights = await api(
        'GET',
        `/bridge/subsystems/${credentials.bridge.subsystemId}/allowed-methods`,
        {
          token: credentials.apiKey,
        },
      );
      expect(rights.status).toBe(200);
      expect(JSON.stringify(rights.body)).toContain(people);
      expect(JSON.stringify(rights.body)).toContain(taxes);
      const actions = (
        await t.db.database.query<{ action: string }>(
          "SELECT action FROM audit_log WHERE action LIKE 'partners.%' OR action LIKE 'bridge.member.%' ORDER BY seq",
        )
      ).map((r) => r.action);
      expect(actions).toEqual(
        expect.arrayContaining([
          'partners.application.submitted',
          'bridge.member.requested',
          'bridge.member.approve',
          'partners.application.approved',
          'partners.credentials.collected',
        ]),
      );
      rp = await client.discovery(
        new URL(credentials.oidc.issuer),
        credentials.oidc.clientId,
        credentials.oidc.clientSecret,
        undefined,
        { execute: [client.allowInsecureRequests] },
      );
    });

    it('redirect flow: the citizen signs in, sees the request, approves; the bank verifies the artefact and reads', async () => {
      const request = await redirectRequest();
      expect(request.status).toBe(201);
      expect(request.body).toMatchObject({ flow: 'redirect', status: 'pending' });
      let page = '';
      const outcome = await signIn(nins[0] ?? '', request.body.id, { onPage: (html) => (page = html) });
      if (outcome.kind !== 'callback')
        throw new Error(`stopped on a page ${outcome.status}: ${outcome.html.slice(0, 3000)}`);
      expect(page).toContain('Banque Teranga (fictive)');
      expect(page).toContain('Étude d&#39;une demande de crédit');
      expect(page).toContain(
        'Registre national de la population (identité, adresse) (seulement : NIN, prénoms, nom, date de naissance, adresse)',
      );
      expect(page).toContain('Situation fiscale (DGID)');
      const tokens = await client.authorizationCodeGrant(rp, outcome.callback, {
        pkceCodeVerifier: outcome.verifier,
        expectedState: outcome.state,
      });
      expect(tokens.claims()?.sub).toBeTruthy();

      const answered = await api('GET', `/consents/requests/${request.body.id}`, {
        token: credentials.apiKey,
      });
      expect(answered.body).toMatchObject({ status: 'approved' });
      const status = await api('GET', `/consents/${answered.body.consentId}/status`, {
        token: credentials.apiKey,
      });
      const keys = (await api('GET', '/consents/keys')).body.keys;
      const verified = await verifyArtefact(status.body.artefact, keys);
      expect(verified.ok).toBe(true);
      const nin = verified.ok ? verified.claims.sub : '';
      expect(nin).toBe(nins[0]);

      const bridge = createBridgeClient({
        bridgeUrl: base,
        client: credentials.bridge.client,
        keyid: 'loans-1',
        privateKey: bankKey.privateKey,
        alg: 'ed25519',
      });
      const person = await bridge.call({
        service: people,
        path: `/people/${nin}`,
        subject: nin,
        consent: answered.body.consentId,
      });
      expect(person.status).toBe(200);
      expect(Object.keys(person.json<Record<string, unknown>>()).sort()).toEqual(
        ['address', 'birthDate', 'familyName', 'givenNames', 'nin'].sort(),
      );
      const tax = await bridge.call({
        service: taxes,
        path: `/people/${nin}/tax-records`,
        subject: nin,
        consent: answered.body.consentId,
      });
      expect(tax.status).toBe(200);
    });

    it('a request cannot be answered by a second citizen, nor used by another partner, and a refusal is kept', async () => {
      const request = await redirectRequest();
      const first = await signIn(nins[0] ?? '', request.body.id);
      expect(first.kind).toBe('callback');
      // The same sign-in link, followed by another citizen: an error goes back to the bank.
      const second = await signIn(nins[1] ?? '', request.body.id);
      expect(second.kind).toBe('callback');
      if (second.kind === 'callback')
        expect(second.callback.searchParams.get('error')).toBe('invalid_request');

      const other = await api('POST', '/partners/applications', {
        body: bankApplication({
          organisation: 'BAOBAB',
          legalName: 'Baobab Crédit SA',
          keys: [
            {
              keyid: 'bao-1',
              alg: 'ed25519',
              publicKeyJwk: generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }),
            },
          ],
        }),
      });
      await api('POST', `/partners/applications/${other.body.application.id}/decision`, {
        token: operator,
        body: { decision: 'approve' },
      });
      const otherCreds = (
        await api('POST', `/partners/applications/${other.body.application.id}/credentials`, {
          headers: { 'x-application-token': other.body.token },
        })
      ).body;
      const otherRp = await client.discovery(
        new URL(otherCreds.oidc.issuer),
        otherCreds.oidc.clientId,
        otherCreds.oidc.clientSecret,
        undefined,
        { execute: [client.allowInsecureRequests] },
      );
      const fresh = await redirectRequest();
      const stolen = await runLogin(otherRp, {
        scope: 'openid',
        redirectUri,
        nin: nins[1] ?? '',
        password,
        params: { consent_request: fresh.body.id },
      });
      expect(stolen.kind).toBe('callback');
      if (stolen.kind === 'callback')
        expect(stolen.callback.searchParams.get('error')).toBe('invalid_request');
      expect(
        (await api('GET', `/consents/requests/${fresh.body.id}`, { token: credentials.apiKey })).body.status,
      ).toBe('pending');

      const denied = await signIn(nins[1] ?? '', fresh.body.id, { deny: true });
      expect(denied.kind).toBe('callback');
      if (denied.kind === 'callback') expect(denied.callback.searchParams.get('error')).toBe('access_denied');
      expect(
        (await api('GET', `/consents/requests/${fresh.body.id}`, { token: credentials.apiKey })).body,
      ).toMatchObject({
        status: 'denied',
        consentId: null,
      });
    });

    it('a startup is admitted to the sandbox and cannot ask for, nor read, real citizens’ data', async () => {
      const startupKey = generateKeyPairSync('ed25519');
      const res = await api('POST', '/partners/applications', {
        body: bankApplication({
          organisation: 'XAALIS',
          legalName: 'Xaalis Tech SAS',
          subsystemCode: 'scoring',
          environment: 'production',
          keys: [
            {
              keyid: 'xaalis-1',
              alg: 'ed25519',
              publicKeyJwk: startupKey.publicKey.export({ format: 'jwk' }),
            },
          ],
        }),
      });
      expect(res.body.application.environment).toBe('sandbox');
      await api('POST', `/partners/applications/${res.body.application.id}/decision`, {
        token: operator,
        body: { decision: 'approve' },
      });
      const creds = (
        await api('POST', `/partners/applications/${res.body.application.id}/credentials`, {
          headers: { 'x-application-token': res.body.token },
        })
      ).body;
      expect(creds.bridge.environment).toBe('sandbox');
      const ask = await api('POST', '/consents/requests', {
        token: creds.apiKey,
        body: {
          partnerSubsystemId: creds.bridge.subsystemId,
          nin: nins[0],
          services: [people],
          purpose: 'credit-assessment',
          validDays: 30,
          frequency: { type: 'once' },
          dataLifeDays: 30,
        },
      });
      expect(ask.status).toBe(400);
      expect(ask.body.errors[0]).toMatchObject({ pointer: '/services/0' });
      // Even with the bank's consent id, the bridge refuses a sandbox member a production service.
      const consentId = (
        await t.db.database.query<{ id: string }>("SELECT id FROM consents WHERE status = 'ACTIVE' LIMIT 1")
      )[0]?.id;
      const call = await createBridgeClient({
        bridgeUrl: base,
        client: creds.bridge.client,
        keyid: 'xaalis-1',
        privateKey: startupKey.privateKey,
        alg: 'ed25519',
      }).call({
        service: people,
        path: `/people/${nins[0]}`,
        subject: nins[0] ?? '',
        ...(consentId ? { consent: consentId } : {}),
      });
      expect(call.status).toBe(403);
      expect(call.json<{ type: string }>().type).toBe(problemType('bridge-environment-mismatch'));
    });
  },
);
