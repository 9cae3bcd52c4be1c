import { generateKeyPairSync } from 'node:crypto';
import { issueCredential, signStatusList } from '../src/server/modules/documents/index.ts';
import {
  holderKeyPair,
  presentCredential,
  type TrustList,
  vctOf,
  verifyPresentation,
} from '../src/shared/documents/index.ts';
import { type Benchmark, median } from './harness.ts';

/**
 * Verifiable documents, in one process (no HTTP, no database): SD-JWT VC issuances per second,
 * wallet presentations per second, and verifications per second with the CPU time of one, as an
 * offline verifier does it (trust list and status list cached). Goal: under 2 ms of CPU per
 * verification, so a phone verifies at once.
 */
const publicUrl = 'https://jokko.example.sn';

async function rate(seconds: number, fn: () => Promise<unknown>) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < seconds * 1000) {
    await fn();
    n++;
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: n / wall, cpuMs: (cpu.user + cpu.system) / 1000 / n };
}

export const benchmark: Benchmark = {
  name: 'documents',
  description:
    'SD-JWT VC issuances/s, presentations/s, verifications/s and CPU ms per verification (one core)',
  async run(ctx) {
    const seconds = ctx.quick ? 1 : 4;
    const reps = ctx.quick ? 1 : 5;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = { kid: 'DAF-bench-1', privateKey };
    const holder = await holderKeyPair();
    const statusUri = `${publicUrl}/v1/documents/status/DAF/1`;
    const now = new Date();
    const issue = () =>
      issueCredential({
        issuer: { identifier: 'DAF' },
        key,
        type: 'national-id',
        vct: vctOf(publicUrl, 'national-id'),
        claims: {
          given_name: 'Awa',
          family_name: 'Ndiaye',
          birthdate: '1990-04-12',
          birth_place: 'Thiès',
          sex: 'F',
          nationality: 'SN',
          nin: '2000271828185',
          age_equal_or_over: { 18: true, 21: true },
        },
        holderJwk: holder.publicJwk,
        status: { idx: 4242, uri: statusUri },
        issuedAt: now,
        expiresAt: new Date(now.getTime() + 3650 * 86_400_000),
      });
    const credential = await issue();
    const trustList: TrustList = {
      iss: publicUrl,
      iat: Math.floor(now.getTime() / 1000),
      exp: Math.floor(now.getTime() / 1000) + 86_400,
      issuers: [
        {
          identifier: 'DAF',
          name: "Direction de l'Automatisation des Fichiers",
          keys: [{ ...publicKey.export({ format: 'jwk' }), kid: key.kid, alg: 'ES256' } as JsonWebKey],
          documentTypes: ['national-id'],
        },
      ],
    };
    const statusToken = await signStatusList({
      key,
      uri: statusUri,
      issuer: publicUrl,
      ttlSeconds: 300,
      now,
      revoked: [1, 2, 3],
      size: 16_384,
    });
    const present = () =>
      presentCredential({
        credential,
        disclose: ['age_equal_or_over.18', 'family_name'],
        holderKey: holder.privateKey,
        audience: 'jokko-verifier',
        nonce: 'bench',
        now: new Date(),
      });
    const presentation = await present();
    const verify = async () => {
      const result = await verifyPresentation(presentation, {
        trustList,
        statusList: async () => statusToken,
        now: new Date(),
        maxAgeSeconds: 3600,
      });
      if (!result.valid) throw new Error(`bench presentation refused: ${result.reason} ${result.detail}`);
    };
    await verify();
    const samples = {
      issue: [] as number[],
      present: [] as number[],
      verify: [] as number[],
      verifyCpu: [] as number[],
    };
    for (let r = 0; r < reps; r++) {
      samples.issue.push((await rate(seconds, issue)).perSecond);
      samples.present.push((await rate(seconds, present)).perSecond);
      const v = await rate(seconds, verify);
      samples.verify.push(v.perSecond);
      samples.verifyCpu.push(v.cpuMs);
    }
    return {
      rows: [
        {
          measure: 'issuances/s, one core (national ID, 9 disclosable claims, ES256)',
          value: Math.round(median(samples.issue)),
        },
        {
          measure: 'presentations/s, one core (2 claims disclosed, KB-JWT)',
          value: Math.round(median(samples.present)),
        },
        {
          measure: 'verifications/s, one core (cached trust list and status list)',
          value: Math.round(median(samples.verify)),
        },
        {
          measure: 'CPU ms per verification (goal < 2)',
          value: Number(median(samples.verifyCpu).toFixed(2)),
        },
        { measure: 'presentation size, bytes (what the QR carries)', value: presentation.length },
      ],
      data: { seconds, repetitions: reps, samples },
      notes: [
        'In-process, sequential: the figures are per core. Status list of 16,384 entries, decompressed once and cached.',
      ],
    };
  },
};
