import { createHash, createPrivateKey, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { createSigner, createVerifier, httpbis } from 'http-message-signatures';
import { type Dispatcher, request as undiciRequest } from 'undici';

export interface BridgeClientOptions {
  /** Where the bridge is, e.g. https://jokko.gouv.sn */
  bridgeUrl: string;
  /** The calling subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM. */
  client: string;
  keyid: string;
  /** The subsystem's private key (a KeyObject, a PEM, or a private JWK). */
  privateKey: KeyObject | string | Record<string, unknown>;
  alg: 'ed25519' | 'ecdsa-p256-sha256';
  /** The bridge's published public keys (GET /v1/bridge/keys); when given, answers are verified. */
  bridgeKeys?: Array<Record<string, unknown>>;
  dispatcher?: Dispatcher;
}

export interface BridgeCall {
  method?: string;
  /** The service id, e.g. SN/GOV/DGID/impots/attestation-fiscale/v1 */
  service: string;
  /** The path inside the service, with its query: /attestations/1000271828182?year=2025 */
  path: string;
  body?: Buffer | string | object;
  contentType?: string;
  userId?: string;
  subject?: string;
  /** The consent the call relies on (X-Jokko-Consent), for personal-data services. */
  consent?: string;
  issue?: string;
  xroadId?: string;
}

/** A request signed and ready to send: what `call` sends, for callers with their own HTTP stack. */
export interface SignedBridgeRequest {
  method: string;
  url: string;
  /** The path and query on the bridge, e.g. /r1/SN/GOV/... */
  path: string;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

export interface BridgeAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** True when the bridge's signature over the answer was checked; absent when no keys were given. */
  verified?: boolean;
  json<T = unknown>(): T;
}

function toKeyObject(key: BridgeClientOptions['privateKey']): KeyObject {
  if (typeof key === 'string') return createPrivateKey(key);
  if ('asymmetricKeyType' in key && typeof (key as KeyObject).export === 'function') return key as KeyObject;
  return createPrivateKey({ key: key as never, format: 'jwk' });
}

/**
 * A bank's developer calls a service in a few lines:
 *
 *   const bridge = createBridgeClient({ bridgeUrl, client: 'SN/COM/BTERANGA/kyc', keyid, privateKey, alg: 'ed25519' });
 *   const answer = await bridge.call({ service: 'SN/GOV/DGID/impots/attestation-fiscale/v1', path: '/attestations/1000271828182' });
 *
 * Each request is signed (RFC 9421) over its method, target, client header and body digest, with a
 * fresh nonce; with the bridge's keys the signed answer is verified too.
 */
export function createBridgeClient(options: BridgeClientOptions) {
  const signer = createSigner(toKeyObject(options.privateKey), options.alg, options.keyid);
  const bridgeVerifiers = new Map(
    (options.bridgeKeys ?? []).map((jwk) => [
      String(jwk.kid),
      createVerifier(createPublicKey({ key: jwk as never, format: 'jwk' }), 'ed25519'),
    ]),
  );
  const base = options.bridgeUrl.replace(/\/$/, '');

  async function sign(call: BridgeCall): Promise<SignedBridgeRequest> {
    const method = (call.method ?? (call.body === undefined ? 'GET' : 'POST')).toUpperCase();
    const url = `${base}/r1/${call.service}${call.path.startsWith('/') ? call.path : `/${call.path}`}`;
    const headers: Record<string, string> = { 'x-road-client': options.client };
    let body: Buffer | undefined;
    if (call.body !== undefined) {
      body =
        Buffer.isBuffer(call.body) || typeof call.body === 'string'
          ? Buffer.from(call.body)
          : Buffer.from(JSON.stringify(call.body));
      headers['content-type'] =
        call.contentType ??
        (typeof call.body === 'object' && !Buffer.isBuffer(call.body)
          ? 'application/json'
          : 'application/octet-stream');
      headers['content-digest'] = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
      headers['content-length'] = String(body.length);
    }
    if (call.userId) headers['x-road-userid'] = call.userId;
    if (call.subject) headers['x-jokko-subject'] = call.subject;
    if (call.consent) headers['x-jokko-consent'] = call.consent;
    if (call.issue) headers['x-road-issue'] = call.issue;
    if (call.xroadId) headers['x-road-id'] = call.xroadId;
    const signed = await httpbis.signMessage(
      {
        key: signer,
        // The citizen and the consent named are signed too, when present.
        fields: [
          '@method',
          '@target-uri',
          'x-road-client',
          ...(body ? ['content-digest'] : []),
          ...(call.subject ? ['x-jokko-subject'] : []),
          ...(call.consent ? ['x-jokko-consent'] : []),
        ],
        params: ['created', 'nonce', 'keyid', 'alg'],
        paramValues: { nonce: randomBytes(18).toString('base64url') },
      },
      { method, url, headers },
    );
    return {
      method,
      url,
      path: new URL(url).pathname + new URL(url).search,
      headers: signed.headers as Record<string, string>,
      body,
    };
  }

  return {
    sign,
    async call(call: BridgeCall): Promise<BridgeAnswer> {
      const signed = await sign(call);
      const res = await undiciRequest(signed.url, {
        method: signed.method as 'GET',
        headers: signed.headers,
        body: signed.body ?? null,
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      });
      const answerBody = Buffer.from(await res.body.arrayBuffer());
      const answer: BridgeAnswer = {
        status: res.statusCode,
        headers: res.headers as BridgeAnswer['headers'],
        body: answerBody,
        json: <T>() => JSON.parse(answerBody.toString('utf8')) as T,
      };
      if (bridgeVerifiers.size && res.headers.signature) {
        const digest = `sha-256=:${createHash('sha256').update(answerBody).digest('base64')}:`;
        const flat: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
        try {
          answer.verified =
            flat['content-digest'] === digest &&
            (await httpbis.verifyMessage(
              {
                keyLookup: async (p) => {
                  const verify = bridgeVerifiers.get(String(p.keyid));
                  return verify ? { id: String(p.keyid), algs: ['ed25519'], verify } : null;
                },
                requiredFields: ['@status', 'content-digest', 'x-road-id', 'x-road-request-hash'],
                tolerance: 30,
              },
              { status: res.statusCode, headers: flat },
            )) === true;
        } catch {
          answer.verified = false;
        }
      } else if (bridgeVerifiers.size) answer.verified = false;
      return answer;
    },
  };
}

export type BridgeClient = ReturnType<typeof createBridgeClient>;
