import { type ArtefactClaims, type Frequency, verifyArtefact } from './consent.ts';

export interface PartnerClientOptions {
  /** Where Jokko is, e.g. https://jokko.gouv.sn */
  jokkoUrl: string;
  /** The partner's API key (jk_...), collected once after approval. */
  apiKey: string;
  fetch?: typeof fetch;
}

export interface ConsentRequestInput {
  partnerSubsystemId: string;
  /** The citizen (decoupled flow); leave out for the redirect flow. */
  nin?: string;
  services: string[];
  fields?: Record<string, string[]>;
  purpose: string;
  purposeText?: string;
  validDays: number;
  frequency: Frequency;
  dataLifeDays: number;
}

export interface ConsentRequest {
  id: string;
  status: 'pending' | 'approved' | 'denied' | 'expired';
  flow: 'decoupled' | 'redirect';
  consentId: string | null;
  expiresAt: string;
}

/** An RFC 9457 problem from Jokko, kept whole so the caller can branch on its `type`. */
export class JokkoProblem extends Error {
  readonly status: number;
  readonly type: string;
  readonly body: Record<string, unknown>;
  constructor(status: number, body: Record<string, unknown>) {
    super(String(body.detail ?? body.title ?? `HTTP ${status}`));
    this.status = status;
    this.type = String(body.type ?? 'about:blank');
    this.body = body;
  }
}

/** One JSON call to Jokko's API; an error answer becomes a JokkoProblem. */
async function jokkoRequest<T>(
  jokkoUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
  doFetch: typeof fetch = fetch,
): Promise<T> {
  const res = await doFetch(`${jokkoUrl.replace(/\/$/, '')}/v1${path}`, {
    method,
    headers: {
      accept: 'application/json',
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!res.ok) throw new JokkoProblem(res.status, json);
  return json as T;
}

export interface PartnerApplication {
  organisation: string;
  legalName: string;
  contact: { name: string; email: string; phone?: string };
  purpose: string;
  services: string[];
  subsystemCode: string;
  keys: Array<{ keyid: string; alg: 'ed25519' | 'ecdsa-p256-sha256'; publicKeyJwk: Record<string, unknown> }>;
  redirectUris: string[];
  environment?: 'production' | 'sandbox';
}

export interface PartnerCredentials {
  apiKey: string;
  oidc: { issuer: string; clientId: string; clientSecret: string; redirectUris: string[] };
  bridge: { client: string; subsystemId: string; keyids: string[]; environment: 'production' | 'sandbox' };
}

/** A company applies to become a partner; keep the token: it follows the application and collects the credentials. */
export const applyAsPartner = (jokkoUrl: string, application: PartnerApplication) =>
  jokkoRequest<{ application: { id: string; status: string }; token: string }>(
    jokkoUrl,
    'POST',
    '/partners/applications',
    { body: application },
  );

/** After an operator's approval: the API key and the OpenID Connect client secret, handed over once. */
export const collectPartnerCredentials = (jokkoUrl: string, applicationId: string, token: string) =>
  jokkoRequest<PartnerCredentials>(
    jokkoUrl,
    'POST',
    `/partners/applications/${encodeURIComponent(applicationId)}/credentials`,
    {
      headers: { 'x-application-token': token },
    },
  );

/** An operator's decision on an application (role `partners:admin`). */
export const decidePartnerApplication = (
  jokkoUrl: string,
  operatorApiKey: string,
  applicationId: string,
  decision: { decision: 'approve' | 'reject'; reason?: string; environment?: 'production' | 'sandbox' },
) =>
  jokkoRequest<{ id: string; status: string }>(
    jokkoUrl,
    'POST',
    `/partners/applications/${encodeURIComponent(applicationId)}/decision`,
    { body: decision, headers: { authorization: `Bearer ${operatorApiKey}` } },
  );

/**
 * What a partner's back end does with Jokko's partner API, in a few calls:
 *
 *   const jokko = createPartnerClient({ jokkoUrl, apiKey });
 *   const request = await jokko.requestConsent({ partnerSubsystemId, services, purpose: 'credit-assessment', ... });
 *   // send the citizen to /oidc/auth?...&consent_request=${request.id}; back on the callback:
 *   const consent = await jokko.verifiedConsent(request.id); // { consentId, claims } with claims.sub = the NIN
 *
 * Artefacts are checked against the published keys, which are fetched once and again on an
 * unknown key id (rotation).
 */
export function createPartnerClient(options: PartnerClientOptions) {
  const base = options.jokkoUrl.replace(/\/$/, '');
  const doFetch = options.fetch ?? fetch;
  let keys: Array<Record<string, unknown>> | undefined;

  const call = <T>(method: string, path: string, body?: unknown) =>
    jokkoRequest<T>(
      base,
      method,
      path,
      { body, headers: { authorization: `Bearer ${options.apiKey}` } },
      doFetch,
    );

  async function consentKeys(refresh = false) {
    if (!keys || refresh)
      keys = (await call<{ keys: Array<Record<string, unknown>> }>('GET', '/consents/keys')).keys;
    return keys;
  }

  return {
    requestConsent: (input: ConsentRequestInput) => call<ConsentRequest>('POST', '/consents/requests', input),
    getRequest: (id: string) => call<ConsentRequest>('GET', `/consents/requests/${encodeURIComponent(id)}`),
    consentStatus: (consentId: string) =>
      call<{ id: string; status: string; revision: number; validUntil: string; artefact: string }>(
        'GET',
        `/consents/${encodeURIComponent(consentId)}/status`,
      ),
    consentKeys,
    /** The approved consent of a request, its artefact verified: claims.sub is the citizen's NIN. */
    async verifiedConsent(
      requestId: string,
    ): Promise<{ consentId: string; status: string; claims: ArtefactClaims }> {
      const request = await this.getRequest(requestId);
      if (request.status !== 'approved' || !request.consentId)
        throw new Error(`the consent request is ${request.status}`);
      const status = await this.consentStatus(request.consentId);
      let checked = await verifyArtefact(status.artefact, await consentKeys());
      if (!checked.ok) checked = await verifyArtefact(status.artefact, await consentKeys(true));
      if (!checked.ok) throw new Error(`the consent artefact does not verify: ${checked.reason}`);
      return { consentId: request.consentId, status: status.status, claims: checked.claims };
    },
  };
}

export type PartnerClient = ReturnType<typeof createPartnerClient>;
