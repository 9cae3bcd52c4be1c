import { generateKeyPairSync } from 'node:crypto';
import { request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../../../shared/countries/index.ts';
import { testEngines } from '../../platform/db/testing.ts';
import { problemType } from '../../platform/http/problems.ts';
import { developmentKms, type WrappedKey } from '../../platform/kms.ts';
import { createTestApp, freePort, type TestApp } from '../../testing.ts';
import { createAuditLog } from '../audit/index.ts';
import { seedDemoCountry } from '../registries/index.ts';
import { openBackendToken } from './backend-tokens.ts';
import { createBridgeClient, publishReferenceServices, registerDemoBridgeClient } from './index.ts';

describe.each(testEngines())('reference services: the registries published on the bridge on %s', (kind) => {
  let t: TestApp;
  let base: string;
  let operator: string;
  let services: string[];
  let nin: string;
  const key = generateKeyPairSync('ed25519');
  let client: ReturnType<typeof createBridgeClient>;

  const get = async (path: string, token: string) => {
    const res = await undiciRequest(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.statusCode, text: await res.body.text() };
  };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp(kind, { PUBLIC_URL: base });
    await seedDemoCountry(t.db.database, { profile: getCountryProfile('SN'), people: 30, seed: 'reference' });
    await t.app.listen({ host: '127.0.0.1', port });
    operator = await t.keyFor({ kind: 'operator', roles: ['bridge:admin', 'registries:read'] });
    const audit = createAuditLog(t.db.database);
    ({ services } = await publishReferenceServices(t.db.database, audit, {
      instance: 'SN',
      registriesUrl: `${base}/v1/registries`,
      kms: t.kms,
    }));
    const clientId = await registerDemoBridgeClient(t.db.database, audit, {
      instance: 'SN',
      keyid: 'demo-1',
      publicJwk: key.publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
    });
    client = createBridgeClient({
      bridgeUrl: base,
      client: clientId ?? '',
      keyid: 'demo-1',
      privateKey: key.privateKey,
      alg: 'ed25519',
    });
    const [person] = await t.db.database.query<{ nin: string }>(
      'SELECT p.nin FROM people p JOIN vehicles v ON v.owner_nin = p.nin LIMIT 1',
    );
    nin = person?.nin ?? '';
    // The services and the client were written straight to the database: each node picks such
    // changes up from the catalogue version within 250 ms.
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      const probe = await client.call({
        service: 'SN/GOV/DAF/registries/people/v1',
        path: `/people/${nin}`,
        subject: nin,
      });
      if (probe.status === 200) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(async () => t.dispose());

  it('publishes each registry under its owner, once', async () => {
    expect(services).toEqual(
      expect.arrayContaining([
        'SN/GOV/DAF/registries/people/v1',
        'SN/GOV/DTTR/registries/vehicles/v1',
        'SN/GOV/DTTR/registries/driving-licences/v1',
        'SN/GOV/DGID/registries/tax-records/v1',
        'SN/GOV/IPRES/registries/pension-records/v1',
      ]),
    );
    const keysBefore = await t.db.database.query('SELECT 1 FROM api_keys');
    const again = await publishReferenceServices(t.db.database, createAuditLog(t.db.database), {
      instance: 'SN',
      registriesUrl: `${base}/v1/registries`,
      kms: t.kms,
    });
    expect(again.created).toBe(0);
    expect((await t.db.database.query('SELECT 1 FROM api_keys')).length).toBe(keysBefore.length);
    const catalogue = await get('/v1/bridge/services', operator);
    const listed = JSON.parse(catalogue.text).items as Array<{ serviceId: string; personalData: boolean }>;
    expect(listed.filter((s) => services.includes(s.serviceId)).every((s) => s.personalData)).toBe(true);
    // The backend token is write-only.
    const [row] = await t.db.database.query<{ id: string; token: WrappedKey }>(
      'SELECT id, backend_token_wrapped AS token FROM bridge_services WHERE backend_token_wrapped IS NOT NULL LIMIT 1',
    );
    const token = await openBackendToken(developmentKms(), row!.id, row!.token);
    expect(token).toMatch(/^jk_/);
    expect(catalogue.text).not.toContain(token);
  });

  it('answers through the bridge what the registry holds, for a named citizen under a legal basis', async () => {
    const person = await client.call({
      service: 'SN/GOV/DAF/registries/people/v1',
      path: `/people/${nin}`,
      subject: nin,
    });
    expect(person.status).toBe(200);
    const direct = await get(`/v1/registries/people/${nin}`, operator);
    expect(person.json()).toEqual(JSON.parse(direct.text));
    const vehicles = await client.call({
      service: 'SN/GOV/DTTR/registries/vehicles/v1',
      path: `/people/${nin}/vehicles`,
      subject: nin,
    });
    expect(vehicles.status).toBe(200);
    expect(JSON.stringify(vehicles.json())).toContain(nin);
    const [logged] = await t.db.database.query<{ subject: string; consent_id: string }>(
      "SELECT subject, consent_id FROM bridge_message_log WHERE service = 'SN/GOV/DTTR/registries/vehicles/v1'",
    );
    expect(logged).toMatchObject({ subject: nin });
    expect(logged?.consent_id).toMatch(/^legal-basis:/);
  });

  it('refuses a call that names no citizen, and a company without consent', async () => {
    const anonymous = await client.call({
      service: 'SN/GOV/DAF/registries/people/v1',
      path: `/people/${nin}`,
    });
    expect(anonymous.status).toBe(403);
    expect(anonymous.json()).toMatchObject({ type: problemType('bridge-consent-required') });

    const orgs = await t.db.database.query<{ id: string }>(
      "SELECT id FROM organisations WHERE identifier = 'BTERANGA'",
    );
    const bankKey = await t.keyFor({
      kind: 'partner',
      roles: ['bridge:member'],
      organisationId: orgs[0]?.id ?? '',
    });
    const pair = generateKeyPairSync('ed25519');
    const joined = await undiciRequest(`${base}/v1/bridge/members`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bankKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        organisation: 'BTERANGA',
        subsystems: [
          {
            code: 'kyc',
            keys: [
              { keyid: 'bank-1', alg: 'ed25519', publicKeyJwk: pair.publicKey.export({ format: 'jwk' }) },
            ],
          },
        ],
      }),
    });
    const member = (await joined.body.json()) as { id: string; subsystems: Array<{ id: string }> };
    await undiciRequest(`${base}/v1/bridge/members/${member.id}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve' }),
    }).then((r) => r.body.dump());
    const [service] = await t.db.database.query<{ id: string }>(
      "SELECT v.id FROM bridge_services v JOIN bridge_subsystems s ON s.id = v.subsystem_id WHERE s.code = 'registries' AND v.code = 'people'",
    );
    // Even with an access right, a company gets no personal data without consent.
    const right = await undiciRequest(`${base}/v1/bridge/rights`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ serviceId: service?.id, clientSubsystemId: member.subsystems[0]?.id }),
    });
    expect(right.statusCode).toBe(201);
    await right.body.dump();
    const bank = createBridgeClient({
      bridgeUrl: base,
      client: 'SN/COM/BTERANGA/kyc',
      keyid: 'bank-1',
      privateKey: pair.privateKey,
      alg: 'ed25519',
    });
    const refused = await bank.call({
      service: 'SN/GOV/DAF/registries/people/v1',
      path: `/people/${nin}`,
      subject: nin,
    });
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ type: problemType('bridge-consent-required') });
  });

  it('a registry owner adds a subsystem of its own to publish more services', async () => {
    const orgs = await t.db.database.query<{ id: string }>(
      "SELECT id FROM organisations WHERE identifier = 'DGID'",
    );
    const dgid = await t.keyFor({
      kind: 'partner',
      roles: ['bridge:member'],
      organisationId: orgs[0]?.id ?? '',
    });
    const [member] = await t.db.database.query<{ id: string }>(
      "SELECT id FROM bridge_members WHERE member_code = 'DGID'",
    );
    const add = (key: string) =>
      undiciRequest(`${base}/v1/bridge/members/${member?.id}/subsystems`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          code: 'impots',
          keys: [
            {
              keyid: 'dgid-impots-1',
              alg: 'ed25519',
              publicKeyJwk: generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }),
            },
          ],
        }),
      });
    const otherOrg = await t.keyFor({
      kind: 'partner',
      roles: ['bridge:member'],
      organisationId: '00000000-0000-4000-8000-000000000000',
    });
    const refused = await add(otherOrg);
    expect(refused.statusCode).toBe(403);
    await refused.body.dump();
    const added = await add(dgid);
    expect(added.statusCode).toBe(201);
    const body = (await added.body.json()) as { subsystems: Array<{ clientId: string }> };
    expect(body.subsystems.map((s) => s.clientId)).toEqual(['SN/GOV/DGID/impots', 'SN/GOV/DGID/registries']);
  });

  it('the registries API behind the reference services still refuses callers without a key', async () => {
    const res = await undiciRequest(`${base}/v1/registries/people/${nin}`);
    expect(res.statusCode).toBe(401);
    await res.body.dump();
  });
});
