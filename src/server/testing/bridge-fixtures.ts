import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'vitest';
import { getCountryProfile } from '../../shared/countries/index.ts';
import { createApiKey } from '../modules/identity/index.ts';
import { seedDemoCountry } from '../modules/registries/index.ts';
import type { Database } from '../platform/db/database.ts';
import { migrate } from '../platform/db/migrate.ts';

/**
 * A Digital Bridge exchange for tests that run server processes: the bank Baobab Crédit calls a
 * service of the justice ministry (no personal data) answered by a backend of the test.
 */

// The provider is an administration that owns no registry: an embedded start makes the registry
// owners members already (reference services).
export const bridgeTestService = 'SN/GOV/MJ-CJ/casier/bulletin-3';
export const bridgeTestClient = 'SN/COM/BAOBAB/kyc';

export interface BridgeTestKeys {
  operator: string;
  provider: string;
  bank: string;
}

/** Migrates and seeds the database, and makes the API keys of the operator, the provider and the bank. */
export async function prepareBridgeDatabase(
  database: Database,
  options: { people?: number; seed?: string } = {},
): Promise<BridgeTestKeys> {
  await migrate(database);
  await seedDemoCountry(database, {
    profile: getCountryProfile('SN'),
    people: options.people ?? 10,
    seed: options.seed ?? 'crash',
  });
  const orgs = await database.query<{ id: string; identifier: string }>(
    "SELECT id, identifier FROM organisations WHERE identifier IN ('MJ-CJ', 'BAOBAB')",
  );
  const keyFor = async (roles: string[], org?: string) =>
    (
      await createApiKey(database.db, {
        label: 'process test',
        actor: {
          kind: org ? 'partner' : 'operator',
          id: 'process-test',
          roles,
          ...(org ? { organisationId: org } : {}),
        },
      })
    ).key;
  return {
    operator: await keyFor(['bridge:admin']),
    provider: await keyFor(['bridge:member'], orgs.find((o) => o.identifier === 'MJ-CJ')?.id),
    bank: await keyFor(['bridge:member'], orgs.find((o) => o.identifier === 'BAOBAB')?.id),
  };
}

/** Through a running server's API: both members, the service on `backendUrl`, and the bank's right to it. */
export async function prepareBridgeExchange(base: string, keys: BridgeTestKeys, backendUrl: string) {
  const api = async (key: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (res.status === 204 ? {} : await res.json()) as {
      id: string;
      subsystems: Array<{ id: string }>;
      granted: Array<{ id: string }>;
    };
    expect(res.status, JSON.stringify(json)).toBeLessThan(300);
    return json;
  };
  const bankKey = generateKeyPairSync('ed25519');
  const join = async (
    key: string,
    org: string,
    code: string,
    keyid: string,
    pub: typeof bankKey.publicKey,
  ) => {
    const member = await api(key, 'POST', '/bridge/members', {
      organisation: org,
      subsystems: [{ code, keys: [{ keyid, alg: 'ed25519', publicKeyJwk: pub.export({ format: 'jwk' }) }] }],
    });
    await api(keys.operator, 'POST', `/bridge/members/${member.id}/decision`, { decision: 'approve' });
    return member.subsystems[0]?.id ?? '';
  };
  // Baobab Crédit: an embedded start already onboards Banque Teranga as the demo bank.
  const bankSubsystem = await join(keys.bank, 'BAOBAB', 'kyc', 'bank-1', bankKey.publicKey);
  const providerSubsystem = await join(
    keys.provider,
    'MJ-CJ',
    'casier',
    'mjcj-1',
    generateKeyPairSync('ed25519').publicKey,
  );
  const svc = await api(keys.provider, 'POST', '/bridge/services', {
    subsystemId: providerSubsystem,
    code: 'bulletin-3',
    title: 'Bulletin n°3 du casier judiciaire',
    openapi: {
      openapi: '3.0.3',
      info: { title: 'x', version: '1' },
      paths: { '/attestations/{nin}': { get: {} } },
    },
    backendUrl,
    personalData: false,
  });
  const right = await api(keys.provider, 'POST', '/bridge/rights', {
    serviceId: svc.id,
    clientSubsystemId: bankSubsystem,
  });
  return { bankKey, api, rightId: right.id };
}
