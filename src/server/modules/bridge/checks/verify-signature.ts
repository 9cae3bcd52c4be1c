import { httpbis, type SignatureParameters } from 'http-message-signatures';
import { parseDictionary } from 'structured-headers';
import { Problem } from '../../../platform/http/problems.ts';
import type { Check } from '../exchange.ts';

const always = ['@method', '@target-uri', 'x-road-client'];
const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(', ') : value);

/**
 * RFC 9421: exactly one signature, made with a current key of the client subsystem, covering
 * the method, the target URI, X-Road-Client and (with a body) Content-Digest, with `created`
 * inside the replay window, a `nonce` and a `keyid`. The body itself is checked against the
 * digest while it streams (see DigestGate in gateway.ts).
 */
export const verifySignature: Check = async (exchange, deps) => {
  const { request } = exchange;
  const input = header(request.headers['signature-input']);
  const signature = header(request.headers.signature);
  if (!input || !signature)
    throw new Problem('bridge-signature-invalid', 'Signature and Signature-Input are required');
  let labels: string[];
  try {
    labels = [...parseDictionary(input).keys()];
  } catch {
    throw new Problem('bridge-signature-invalid', 'Signature-Input is not a structured dictionary');
  }
  if (labels.length !== 1) throw new Problem('bridge-signature-invalid', 'Exactly one signature is accepted');
  const client = exchange.client;
  const now = deps.clock();
  let params: SignatureParameters | undefined;
  let result: boolean | null;
  try {
    result = await httpbis.verifyMessage(
      {
        keyLookup: async (p) => {
          params = p;
          const key = typeof p.keyid === 'string' ? exchange.snapshot.keys.get(p.keyid) : undefined;
          if (!key || key.subsystemId !== client?.id) return null;
          if (key.notAfter && key.notAfter <= now) return null;
          return { id: key.keyid, algs: [key.alg], verify: key.verify };
        },
        requiredParams: ['created', 'nonce', 'keyid'],
        requiredFields: exchange.hasBody ? [...always, 'content-digest'] : always,
        maxAge: deps.limits.replayWindowSeconds,
        tolerance: 5,
      },
      {
        method: request.method,
        url: `${deps.publicUrl}${request.url}`,
        headers: request.headers as Record<string, string | string[]>,
      },
    );
  } catch (err) {
    throw new Problem(
      'bridge-signature-invalid',
      (err as Error).message || 'The signature is not acceptable',
    );
  }
  if (result !== true)
    throw new Problem('bridge-signature-invalid', 'Unknown client or key, or a wrong signature');
  const nonce = params?.nonce;
  if (typeof nonce !== 'string' || nonce.length < 16 || nonce.length > 128)
    throw new Problem('bridge-signature-invalid', 'The nonce must be 16 to 128 characters');
  exchange.keyid = String(params?.keyid);
  exchange.nonce = nonce;
};
