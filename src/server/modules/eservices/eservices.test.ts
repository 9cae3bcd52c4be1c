import { request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCountryProfile } from '../../../shared/countries/index.ts';
import {
  holderKeyPair,
  presentCredential,
  verifyPresentation,
  verifyTrustList,
} from '../../../shared/documents/index.ts';
import { testEngines } from '../../platform/db/testing.ts';
import { problemType } from '../../platform/http/problems.ts';
import { createKmsFromConfig } from '../../platform/kms.ts';
import { createTestApp, freePort, type TestApp } from '../../testing.ts';
import { createAuditLog } from '../audit/index.ts';
import { publishReferenceServices } from '../bridge/index.ts';
import { revokeDocumentsOfRecord } from '../documents/index.ts';
import {
  accessTokenFor,
  confirmTotp,
  createAccount,
  officeClientId,
  registerConfidentialTwin,
  startTotpEnrolment,
  superAppClientId,
  totpCode,
} from '../identity/index.ts';
import { listPeople, type Person, seedDemoCountry } from '../registries/index.ts';
import {
  codeFromVerificationUrl,
  completeApprovedApplications,
  createEservicesDeps,
  readQrFromPdf,
} from './index.ts';

const password = 'Teranga-Guichet-2026!';
const secret = 'a-test-secret-that-is-long-enough-0123456789';
const criminal = 'sn-criminal-record-extract';

describe.each(testEngines())('e-services: procedures, applications, back-office, outputs, on %s', (kind) => {
  let t: TestApp;
  let base: string;
  let operator: string;
  const people: Person[] = [];
  /** Citizens' super-app tokens: 0 and 1, and 2 for the driver (people[6]). */
  const tokens: string[] = [];
  /**
   * Agents' back-office tokens: justice (instructor + decider), taxes (instructor only), transport
   * (decider), low (password only).
   */
  const agents: Record<string, string> = {};

  const api = async (
    method: string,
    path: string,
    token: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const raw = Buffer.isBuffer(body);
    const res = await undiciRequest(`${base}/v1${path}`, {
      method: method as 'GET',
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined || raw ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? null : raw ? (body as Buffer) : JSON.stringify(body),
    });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    const type = String(res.headers['content-type'] ?? '');
    return {
      status: res.statusCode,
      headers: res.headers,
      bytes,
      body: type.includes('json') && bytes.length ? JSON.parse(bytes.toString('utf8')) : undefined,
    };
  };

  const signIn = (
    clientId: string,
    redirectUri: string,
    nin: string,
    extra: { totp?: string; acr?: string } = {},
  ) => {
    const totpSecret = extra.totp;
    return accessTokenFor(
      base,
      { clientId, secret, redirectUri },
      {
        nin,
        password,
        ...(totpSecret ? { totp: () => totpCode(totpSecret) } : {}),
        ...(extra.acr ? { acr: extra.acr } : {}),
      },
    );
  };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp(kind, { PUBLIC_URL: base });
    const database = t.db.database;
    const audit = createAuditLog(database);
    await seedDemoCountry(database, { profile: getCountryProfile('SN'), people: 60, seed: 'eservices' });
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
    // A driver (a licence that is not suspended) for the renewal, outside the first five adults.
    const [driver] = await database.query<{ holder_nin: string }>(
      `SELECT holder_nin FROM driving_licences WHERE status = 'valid' AND expires_on > now() AND holder_nin <> ALL($1::text[]) ORDER BY number LIMIT 1`,
      [adults.slice(0, 6).map((p) => p.nin)],
    );
    people.push(...adults.slice(0, 6), adults.find((p) => p.nin === driver!.holder_nin)!);
    const accounts = [];
    for (const p of people) accounts.push(await createAccount(database, p.nin, password));
    await registerConfidentialTwin(database, {
      clientId: superAppClientId,
      secret,
      redirectUri: 'https://app.jokko.example/cb',
    });
    await registerConfidentialTwin(database, {
      clientId: officeClientId,
      secret,
      redirectUri: 'https://office.jokko.example/cb',
      defaultAcr: 'substantial',
    });
    for (const p of [people[0]!, people[1]!, people[6]!])
      tokens.push(await signIn(superAppClientId, 'https://app.jokko.example/cb', p.nin));

    operator = await t.keyFor({ kind: 'operator', roles: ['identity:admin', 'eservices:admin'] });
    const factorDeps = { database, audit, publicUrl: base, kms: createKmsFromConfig(t.config.kms) };
    const roles: Array<[number, string, string[]]> = [
      [2, 'MJ-CJ', ['instructor', 'decider']],
      [3, 'DGID', ['instructor']],
      [4, 'MJ-CJ', ['decider']],
      [5, 'DTTR', ['decider']],
    ];
    for (const [i, organisation, r] of roles) {
      const set = await api('PUT', `/identity/agents/${people[i]!.nin}`, operator, {
        organisation,
        roles: r,
      });
      expect(set.status).toBe(200);
    }
    for (const i of [2, 3, 5]) {
      const totp = await startTotpEnrolment(factorDeps, accounts[i]!.id, people[i]!.nin);
      expect(await confirmTotp(factorDeps, accounts[i]!.id, totp.factorId, totpCode(totp.secret, -1))).toBe(
        true,
      );
      agents[i === 2 ? 'justice' : i === 3 ? 'taxes' : 'transport'] = await signIn(
        officeClientId,
        'https://office.jokko.example/cb',
        people[i]!.nin,
        {
          totp: totp.secret,
        },
      );
    }
    // Agent 4 has no second factor: asking for low gives a password-only token.
    agents.low = await signIn(officeClientId, 'https://office.jokko.example/cb', people[4]!.nin, {
      acr: 'low',
    });
  }, 120_000);

  afterAll(async () => t?.dispose());

  it('serves the catalogue: eight Senegalese procedures, searchable in French and Wolof, each a full definition', async () => {
    const all = await api('GET', '/procedures', '');
    expect(all.status).toBe(200);
    const ids = (all.body.items as Array<{ id: string }>).map((p) => p.id);
    expect(ids).toEqual(
      expect.arrayContaining([criminal, 'sn-birth-certificate-extract', 'sn-building-permit']),
    );
    expect(ids.filter((id) => id.startsWith('sn-'))).toHaveLength(8);
    expect(ids.some((id) => id.startsWith('az-'))).toBe(false);
    const found = await api('GET', `/procedures?q=${encodeURIComponent('casier judiciaire')}`, '');
    expect((found.body.items as Array<{ id: string }>).map((p) => p.id)).toEqual([criminal]);
    const definition = await api('GET', `/procedures/${criminal}`, '');
    expect(definition.body).toMatchObject({
      id: criminal,
      owner: 'MJ-CJ',
      fee: { amount: 200, currency: 'XOF' },
    });
    expect((await api('GET', '/procedures/no-such-thing', '')).body.type).toBe(problemType('not-found'));
  });

  let applicationId = '';
  let reference = '';

  it('starts a criminal record extract pre-filled from the population register through the bridge, seen in the data tracker', async () => {
    const started = await api('POST', '/me/applications', tokens[0]!, {
      procedure: criminal,
      language: 'fr',
    });
    expect(started.status).toBe(201);
    applicationId = started.body.id;
    reference = started.body.reference;
    expect(reference).toMatch(/^SN-\d{4}-\d{6}$/);
    const me = people[0]!;
    expect(started.body).toMatchObject({
      status: 'draft',
      data: {
        givenNames: me.givenNames,
        familyName: me.familyName,
        birthDate: me.birthDate,
        birthPlace: me.birthPlace,
      },
    });
    expect(started.body.prefilled.givenNames).toMatchObject({
      registry: 'people',
      service: 'SN/GOV/DAF/registries/people/v1',
    });
    const tracker = await api('GET', '/me/data-accesses?limit=50', tokens[0]!);
    const reads = tracker.body.items as Array<{ client: string; service: string }>;
    expect(
      reads.some(
        (r) => r.client === 'SN/GOV/MJ-CJ/eservices' && r.service === 'SN/GOV/DAF/registries/people/v1',
      ),
    ).toBe(true);
    // Another citizen cannot see it, nor can anyone without the app.
    expect((await api('GET', `/me/applications/${applicationId}`, tokens[1]!)).status).toBe(404);
    expect((await api('GET', `/me/applications/${applicationId}`, '')).status).toBe(401);
    expect((await api('GET', `/me/applications/${applicationId}`, operator)).status).toBe(403);
  });

  it('answers invalid form data field by field, refuses registry values changed, a forged fee and a missing idempotency key', async () => {
    const bad = await api('PATCH', `/me/applications/${applicationId}`, tokens[0]!, {
      data: { purpose: 'smuggling', purposeDetail: 'x'.repeat(300), birthDate: 'yesterday', colour: 'blue' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.type).toBe(problemType('form-invalid'));
    const pointers = (bad.body.errors as Array<{ pointer: string }>).map((e) => e.pointer).sort();
    expect(pointers).toEqual(
      expect.arrayContaining(['/data/purpose', '/data/purposeDetail', '/data/colour']),
    );
    const incomplete = await api(
      'POST',
      `/me/applications/${applicationId}/submit`,
      tokens[0]!,
      { fee: { amount: 200, currency: 'XOF' } },
      { 'idempotency-key': 'tap-000001' },
    );
    expect(incomplete.status).toBe(422);
    expect(incomplete.body.errors).toEqual([
      { in: 'body', pointer: '/data/purpose', detail: 'this field is required' },
    ]);
    const saved = await api('PATCH', `/me/applications/${applicationId}`, tokens[0]!, {
      data: { purpose: 'employment' },
    });
    expect(saved.status).toBe(200);
    expect(saved.body.data.purpose).toBe('employment');
    const noKey = await api('POST', `/me/applications/${applicationId}/submit`, tokens[0]!, {
      fee: { amount: 200, currency: 'XOF' },
    });
    expect(noKey.status).toBe(400);
    const forged = await api(
      'POST',
      `/me/applications/${applicationId}/submit`,
      tokens[0]!,
      { fee: { amount: 0, currency: 'XOF' } },
      { 'idempotency-key': 'tap-000002' },
    );
    expect(forged.status).toBe(422);
    expect(forged.body).toMatchObject({
      type: problemType('fee-mismatch'),
      expected: { amount: 200, currency: 'XOF' },
    });
  });

  it('submits once on a double tap; another submission is a forbidden transition', async () => {
    const submit = (key: string) =>
      api(
        'POST',
        `/me/applications/${applicationId}/submit`,
        tokens[0]!,
        { fee: { amount: 200, currency: 'XOF' } },
        { 'idempotency-key': key },
      );
    const [first, second] = await Promise.all([submit('tap-000003'), submit('tap-000003')]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([first.headers['idempotent-replayed'], second.headers['idempotent-replayed']]).toContain('true');
    const timeline = (await api('GET', `/me/applications/${applicationId}`, tokens[0]!)).body
      .timeline as Array<{ to: string }>;
    expect(timeline.filter((e) => e.to === 'submitted')).toHaveLength(1);
    const again = await submit('tap-000004');
    expect(again.status).toBe(409);
    expect(again.body.type).toBe(problemType('transition-forbidden'));
  });

  it('keeps each administration to its own queue, and the back-office to agents signed in with a second factor', async () => {
    const queue = await api('GET', '/office/applications', agents.justice!);
    expect(queue.status).toBe(200);
    const item = (queue.body.items as Array<{ id: string; slaDaysLeft: number; nin: string }>).find(
      (a) => a.id === applicationId,
    );
    expect(item).toMatchObject({ nin: people[0]!.nin, slaDaysLeft: 2 });
    const taxes = await api('GET', '/office/applications', agents.taxes!);
    expect((taxes.body.items as Array<{ id: string }>).map((a) => a.id)).not.toContain(applicationId);
    expect((await api('GET', `/office/applications/${applicationId}`, agents.taxes!)).status).toBe(404);
    const decidedByOther = await api(
      'POST',
      `/office/applications/${applicationId}/decision`,
      agents.taxes!,
      { decision: 'approve' },
    );
    expect(decidedByOther.status).toBe(404);
    const low = await api('GET', '/office/applications', agents.low!);
    expect(low.status).toBe(403);
    expect((await api('GET', '/office/applications', tokens[0]!)).status).toBe(403);
    expect((await api('GET', '/office/applications', '')).status).toBe(401);
  });

  it('moves by the definition: review first, then approval produces a signed PDF whose QR verifies, and the citizen is told', async () => {
    const early = await api('POST', `/office/applications/${applicationId}/decision`, agents.justice!, {
      decision: 'approve',
    });
    expect(early.status).toBe(409);
    expect(early.body.type).toBe(problemType('transition-forbidden'));
    const taken = await api('POST', '/office/applications/bulk', agents.justice!, {
      action: 'start-review',
      ids: [applicationId],
    });
    expect(taken.body).toEqual({ done: [applicationId], refused: [] });
    const rejectWithoutReason = await api(
      'POST',
      `/office/applications/${applicationId}/decision`,
      agents.justice!,
      { decision: 'reject' },
    );
    expect(rejectWithoutReason.status).toBe(400);
    const comment = await api('POST', `/office/applications/${applicationId}/comments`, agents.justice!, {
      message: 'Aucune condamnation au fichier central.',
      internal: true,
    });
    expect(comment.status).toBe(204);
    const approved = await api('POST', `/office/applications/${applicationId}/decision`, agents.justice!, {
      decision: 'approve',
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'completed', output: { kind: 'extract' } });
    const statuses = (approved.body.timeline as Array<{ to: string | null; kind: string }>)
      .filter((e) => e.kind === 'transition')
      .map((e) => e.to);
    expect(statuses).toEqual(['draft', 'submitted', 'in_review', 'approved', 'completed']);

    const mine = await api('GET', `/me/applications/${applicationId}`, tokens[0]!);
    expect(
      (mine.body.timeline as Array<{ internal: boolean; kind: string }>).every(
        (e) => !e.internal && e.kind === 'transition',
      ),
    ).toBe(true);
    const inbox = await api('GET', '/me/inbox', tokens[0]!);
    const notices = (
      inbox.body.items as Array<{ template: string; payload: { reference: string; status: string } }>
    )
      .filter((m) => m.template === 'application-status' && m.payload.reference === reference)
      .map((m) => m.payload.status);
    expect(notices).toEqual(expect.arrayContaining(['submitted', 'in_review', 'approved', 'completed']));

    const pdf = await api('GET', `/me/applications/${applicationId}/output.pdf`, tokens[0]!);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect((await api('GET', `/me/applications/${applicationId}/output.pdf`, tokens[1]!)).status).toBe(404);
    const url = await readQrFromPdf(new Uint8Array(pdf.bytes));
    expect(url.startsWith(`${base}/verify/output#`)).toBe(true);
    const code = codeFromVerificationUrl(url)!;
    const verified = await api('POST', '/outputs/verify', '', { code });
    expect(verified.body).toMatchObject({
      valid: true,
      issuer: { identifier: 'MJ-CJ', name: 'Ministère de la Justice — Casier judiciaire central' },
      claims: {
        sub: reference,
        jokko: { procedure: criminal, owner: 'MJ-CJ', holder: { nin: people[0]!.nin }, decision: 'approved' },
      },
    });
    // The extract into the wallet: issued by the central criminal record, verifiable like any document.
    const wallet = await holderKeyPair();
    const inWallet = await api('POST', '/me/documents/from-application', tokens[0]!, {
      application: applicationId,
      holderKey: wallet.publicJwk,
    });
    expect(inWallet.status).toBe(201);
    expect(inWallet.body).toMatchObject({ type: 'criminal-record-extract', issuer: 'MJ-CJ' });
    const anchor = (await api('GET', '/documents/trust-anchor', '')).body as { keys: JsonWebKey[] };
    const trustList = await verifyTrustList(
      (await api('GET', '/documents/trust-list', '')).bytes.toString('utf8'),
      anchor.keys,
      new Date(),
    );
    const shown = await presentCredential({
      credential: inWallet.body.credential,
      disclose: ['family_name', 'convictions'],
      holderKey: wallet.privateKey,
      audience: 'https://employeur.example',
      nonce: 'n-casier',
      now: new Date(),
    });
    const checkedExtract = await verifyPresentation(shown, {
      trustList,
      statusList: async (uri) => (await undiciRequest(uri)).body.text(),
      now: new Date(),
      maxAgeSeconds: 300,
    });
    expect(checkedExtract).toMatchObject({
      valid: true,
      issuer: { identifier: 'MJ-CJ' },
      claims: { family_name: people[0]!.familyName, convictions: [] },
    });
    expect(
      (
        await api('POST', '/me/documents/from-application', tokens[1]!, {
          application: applicationId,
          holderKey: wallet.publicJwk,
        })
      ).status,
    ).toBe(404);

    const [h, p, s] = code.split('.');
    const forged = Buffer.from(p!, 'base64url').toString('utf8').replace(people[0]!.nin, people[1]!.nin);
    const tampered = await api('POST', '/outputs/verify', '', {
      code: `${h}.${Buffer.from(forged).toString('base64url')}.${s}`,
    });
    expect(tampered.body).toEqual({ valid: false, reason: 'bad-signature' });
  });

  it('lets the definition decide which decisions a step allows and which role takes them', async () => {
    const started = await api('POST', '/me/applications', tokens[1]!, {
      procedure: 'sn-business-creation-ninea',
    });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    const saved = await api('PATCH', `/me/applications/${id}`, tokens[1]!, {
      data: {
        companyName: 'Thiof Digital',
        legalForm: Object.keys(started.body.data).length ? undefined : undefined,
      },
    });
    expect(saved.status).toBe(200);
    const definition = (await api('GET', '/procedures/sn-business-creation-ninea', '')).body;
    const answers: Record<string, unknown> = {};
    for (const [name, schema] of Object.entries(
      definition.form.schema.properties as Record<string, Record<string, unknown>>,
    )) {
      if (started.body.data[name] !== undefined) continue;
      if (!(definition.form.schema.required as string[]).includes(name)) continue;
      answers[name] = Array.isArray(schema.enum)
        ? schema.enum[0]
        : schema.format === 'date'
          ? '2020-01-01'
          : 'Dakar, Plateau';
    }
    expect((await api('PATCH', `/me/applications/${id}`, tokens[1]!, { data: answers })).status).toBe(200);
    const submitted = await api(
      'POST',
      `/me/applications/${id}/submit`,
      tokens[1]!,
      { fee: definition.fee },
      { 'idempotency-key': `ninea-${id}` },
    );
    expect(submitted.status).toBe(200);
    expect(
      (await api('POST', '/office/applications/bulk', agents.taxes!, { action: 'start-review', ids: [id] }))
        .body.done,
    ).toEqual([id]);
    const instructed = await api('POST', `/office/applications/${id}/decision`, agents.taxes!, {
      decision: 'approve',
      message: 'Dossier complet',
    });
    expect(instructed.body).toMatchObject({ status: 'in_review', step: 1 });
    const notAllowed = await api('POST', `/office/applications/${id}/decision`, agents.taxes!, {
      decision: 'request-info',
      message: 'Encore un papier',
    });
    expect(notAllowed.status).toBe(409);
    expect(notAllowed.body).toMatchObject({
      type: problemType('transition-forbidden'),
      allowed: ['approve', 'reject'],
    });
    const wrongRole = await api('POST', `/office/applications/${id}/decision`, agents.taxes!, {
      decision: 'approve',
    });
    expect(wrongRole.status).toBe(403);
  });

  it('checks documents: slot, type by content, size, virus scan; required ones before submission', async () => {
    const started = await api('POST', '/me/applications', tokens[0]!, {
      procedure: 'sn-residence-certificate',
    });
    const id = started.body.id as string;
    const put = (slot: string, bytes: Buffer, type: string) =>
      api('PUT', `/me/applications/${id}/attachments/${slot}`, tokens[0]!, bytes, {
        'content-type': type,
        'x-filename': 'facture.pdf',
      });
    const pdf = Buffer.concat([
      Buffer.from('%PDF-1.7\n'),
      Buffer.alloc(2000, 0x20),
      Buffer.from('\n%%EOF\n'),
    ]);
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');
    expect((await put('proof-of-address', png, 'application/pdf')).status).toBe(415);
    expect((await put('proof-of-address', Buffer.from('hello'), 'text/plain')).status).toBe(415);
    expect((await put('no-such-slot', pdf, 'application/pdf')).status).toBe(404);
    const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(5 * 1024 * 1024, 0x20)]);
    const tooBig = await put('proof-of-address', big, 'application/pdf');
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.type).toBe(problemType('payload-too-large'));
    const eicar = Buffer.concat([
      Buffer.from('%PDF-1.7\n'),
      Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'),
    ]);
    const infected = await put('proof-of-address', eicar, 'application/pdf');
    expect(infected.status).toBe(422);
    expect(infected.body.type).toBe(problemType('attachment-refused'));
    const missing = await api(
      'POST',
      `/me/applications/${id}/submit`,
      tokens[0]!,
      { fee: started.body.fee },
      { 'idempotency-key': `res-${id}` },
    );
    expect(missing.status).toBe(422);
    expect((missing.body.errors as Array<{ pointer: string }>).map((e) => e.pointer)).toContain(
      '/attachments/proof-of-address',
    );
    const ok = await put('proof-of-address', pdf, 'application/pdf');
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({
      slot: 'proof-of-address',
      mediaType: 'application/pdf',
      sizeBytes: pdf.length,
    });
    const back = await api('GET', `/me/applications/${id}/attachments/${ok.body.id}`, tokens[0]!);
    expect(back.bytes.equals(pdf)).toBe(true);
    expect((await api('GET', `/me/applications/${id}/attachments/${ok.body.id}`, tokens[1]!)).status).toBe(
      404,
    );
    const withdrawn = await api('POST', `/me/applications/${id}/withdraw`, tokens[0]!, {});
    expect(withdrawn.body.status).toBe('withdrawn');
    expect((await put('proof-of-address', pdf, 'application/pdf')).status).toBe(409);
  });

  it('publishes new procedure versions through the editor API, validated, in order, by operators only', async () => {
    const current = (await api('GET', `/procedures/${criminal}`, '')).body;
    const next = { ...current, version: current.version + 1, fee: { amount: 300, currency: 'XOF' } };
    expect((await api('PUT', `/procedures/${criminal}`, tokens[0]!, next)).status).toBe(403);
    const broken = await api('PUT', `/procedures/${criminal}`, operator, {
      ...next,
      fee: { amount: 300, currency: 'EUR' },
    });
    expect(broken.status).toBe(400);
    expect((broken.body.errors as Array<{ pointer: string }>).map((e) => e.pointer)).toContain(
      '/fee/currency',
    );
    const skipped = await api('PUT', `/procedures/${criminal}`, operator, {
      ...next,
      version: current.version + 5,
    });
    expect(skipped.status).toBe(409);
    const published = await api('PUT', `/procedures/${criminal}`, operator, next);
    expect(published.status).toBe(201);
    expect((await api('GET', `/procedures/${criminal}`, '')).body.fee.amount).toBe(300);
    // The application made on version 1 keeps its fee and definition.
    expect((await api('GET', `/me/applications/${applicationId}`, tokens[0]!)).body.fee.amount).toBe(200);
    const versions = await api('GET', `/procedures/${criminal}/versions`, '');
    expect((versions.body.items as Array<{ version: number; source: string }>).map((v) => v.source)).toEqual([
      'editor',
      'repository',
    ]);
  });

  it('publishes service performance: volume, processing time, share within target, share online', async () => {
    const perf = await api('GET', '/procedures/performance?days=30', '');
    expect(perf.status).toBe(200);
    const row = (perf.body.items as Array<{ procedure: { id: string } }>).find(
      (r) => r.procedure.id === criminal,
    );
    expect(row).toMatchObject({ submitted: 1, decided: 1, withinTarget: 1, online: 1, targetDays: 3 });
    expect((row as unknown as { medianDays: number }).medianDays).toBeLessThan(0.1);
  });

  it('pages the queue with a cursor, applications waiting for the citizen (no deadline) last', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const started = await api('POST', '/me/applications', tokens[1]!, { procedure: criminal });
      await api('PATCH', `/me/applications/${started.body.id}`, tokens[1]!, { data: { purpose: 'travel' } });
      const current = (await api('GET', `/procedures/${criminal}`, '')).body.fee;
      const sent = await api(
        'POST',
        `/me/applications/${started.body.id}/submit`,
        tokens[1]!,
        { fee: started.body.fee ?? current },
        {
          'idempotency-key': `page-${started.body.id}`,
        },
      );
      expect(sent.status).toBe(200);
      ids.push(started.body.id);
    }
    await api('POST', '/office/applications/bulk', agents.justice!, {
      action: 'start-review',
      ids: [ids[0]],
    });
    const asked = await api('POST', `/office/applications/${ids[0]}/decision`, agents.justice!, {
      decision: 'request-info',
      message: 'Précisez le pays de destination.',
    });
    expect(asked.body).toMatchObject({ status: 'info_requested', dueAt: null });
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const page: { body: { items: Array<{ id: string }>; next: string | null } } = await api(
        'GET',
        `/office/applications?limit=1${next ? `&after=${next}` : ''}`,
        agents.justice!,
      );
      seen.push(...page.body.items.map((a) => a.id));
      next = page.body.next;
    } while (next && seen.length < 20);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect(seen.at(-1)).toBe(ids[0]);
    expect((await api('GET', '/office/applications?after=not-a-cursor', agents.justice!)).status).toBe(400);
  });

  it('renews a driving licence in the registry through the bridge on approval; a refused update loses nothing', async () => {
    const driver = people[6]!;
    // The licence already in the driver's wallet: the renewal replaces it.
    const wallet = await holderKeyPair();
    const held = await api('POST', '/me/documents', tokens[2]!, {
      type: 'driving-licence',
      holderKey: wallet.publicJwk,
    });
    expect(held.status).toBe(201);
    const started = await api('POST', '/me/applications', tokens[2]!, {
      procedure: 'sn-driving-licence-renewal',
    });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    const number = started.body.data.licenceNumber as string;
    expect(number).toMatch(/^SN-DL-/);
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(500)]);
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(500, 0x20)]);
    for (const [slot, bytes, type] of [
      ['medical-certificate', pdf, 'application/pdf'],
      ['id-photo', png, 'image/png'],
    ] as const) {
      const put = await api('PUT', `/me/applications/${id}/attachments/${slot}`, tokens[2]!, bytes, {
        'content-type': type,
      });
      expect(put.status).toBe(201);
    }
    const submitted = await api(
      'POST',
      `/me/applications/${id}/submit`,
      tokens[2]!,
      { fee: started.body.fee },
      {
        'idempotency-key': `licence-${id}`,
      },
    );
    expect(submitted.status).toBe(200);
    expect(
      (
        await api('POST', '/office/applications/bulk', agents.transport!, {
          action: 'start-review',
          ids: [id],
        })
      ).body.done,
    ).toEqual([id]);

    // The registry refuses (the licence was suspended meanwhile): approved, not completed, nothing lost.
    await t.db.database.query("UPDATE driving_licences SET status = 'suspended' WHERE number = $1", [number]);
    const refused = await api('POST', `/office/applications/${id}/decision`, agents.transport!, {
      decision: 'approve',
    });
    expect(refused.body).toMatchObject({ status: 'approved', output: null });
    expect((await api('GET', `/me/applications/${id}/output.pdf`, tokens[2]!)).status).toBe(404);

    // The registry accepts again: the worker's sweep completes it, once.
    await t.db.database.query("UPDATE driving_licences SET status = 'expired' WHERE number = $1", [number]);
    // The worker's deps, as main.ts builds them.
    const audit = createAuditLog(t.db.database);
    const deps = createEservicesDeps({
      database: t.db.database,
      audit,
      country: getCountryProfile('SN'),
      clock: () => new Date(),
      publicUrl: base,
      kms: createKmsFromConfig(t.config.kms),
      onRecordChanged: (change) =>
        revokeDocumentsOfRecord({ database: t.db.database, audit, clock: () => new Date() }, change),
    });
    const [first, second] = await Promise.all([
      completeApprovedApplications(deps),
      completeApprovedApplications(deps),
    ]);
    expect(first + second).toBe(1);
    const done = await api('GET', `/me/applications/${id}`, tokens[2]!);
    expect(done.body.status).toBe('completed');
    const documents = (await api('GET', '/me/documents', tokens[2]!)).body.items as Array<{
      id: string;
      revokedReason: string | null;
    }>;
    expect(documents.find((d) => d.id === held.body.id)?.revokedReason).toBe(
      `replaced after ${done.body.reference}`,
    );
    expect((done.body.timeline as Array<{ to: string }>).filter((e) => e.to === 'completed')).toHaveLength(1);

    const registries = await t.keyFor({ kind: 'operator', roles: ['registries:read'] });
    const licence = (
      await api('GET', `/registries/people/${driver.nin}/driving-licences`, registries)
    ).body.records.find((r: { number: string }) => r.number === number);
    const today = new Date().toISOString().slice(0, 10);
    expect(licence).toMatchObject({
      issuedOn: today,
      status: 'valid',
      expiresOn: `${Number(today.slice(0, 4)) + 10}${today.slice(4)}`,
    });
    const pdfAnswer = await api('GET', `/me/applications/${id}/output.pdf`, tokens[2]!);
    const code = codeFromVerificationUrl(await readQrFromPdf(new Uint8Array(pdfAnswer.bytes)))!;
    expect((await api('POST', '/outputs/verify', '', { code })).body).toMatchObject({
      valid: true,
      claims: { sub: done.body.reference },
    });
    const tracker = (await api('GET', '/me/data-accesses?limit=50', tokens[2]!)).body.items as Array<{
      client: string;
    }>;
    expect(tracker.filter((r) => r.client === 'SN/GOV/DTTR/eservices').length).toBeGreaterThanOrEqual(3);
  });
});
