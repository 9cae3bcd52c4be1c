/**
 * RFC 9457 problem details. Every error the platform returns is one of these types; the `type` URI
 * is stable across deployments and versions, so clients can branch on it.
 */
export const problemTypeBase = 'urn:jokko:problem:';

export const problemCatalog = {
  'bad-request': { status: 400, title: 'Bad request' },
  'invalid-json': { status: 400, title: 'The request body is not valid JSON' },
  'validation-failed': { status: 400, title: 'The request does not match the schema' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Not allowed' },
  'not-found': { status: 404, title: 'Not found' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'Conflict' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'request-timeout': { status: 408, title: 'The request did not arrive in time' },
  'headers-too-large': { status: 431, title: 'The request line or headers are too large' },
  'uri-too-long': { status: 414, title: 'A path segment is too long' },
  'internal-error': { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
  'form-invalid': { status: 422, title: 'Some answers of the form must be corrected' },
  'application-not-eligible': {
    status: 422,
    title: 'The applicant does not meet the conditions of this procedure',
  },
  'transition-forbidden': {
    status: 409,
    title: 'The procedure does not allow this step from the current status',
  },
  'fee-mismatch': { status: 422, title: 'The fee stated is not the fee of this procedure' },
  'attachment-refused': { status: 422, title: 'The document was refused' },
  'bridge-bad-client': { status: 400, title: 'The X-Road-Client header is missing or malformed' },
  'bridge-invalid-path': { status: 400, title: 'The service path is not acceptable' },
  'bridge-digest-mismatch': { status: 400, title: 'The body does not match its Content-Digest' },
  'bridge-signature-invalid': { status: 401, title: 'The request signature is missing or invalid' },
  'bridge-replay': { status: 401, title: 'The signature nonce was already used' },
  'bridge-member-suspended': { status: 403, title: 'A member or subsystem of this exchange is not active' },
  'bridge-access-denied': { status: 403, title: 'The client has no access right to this service' },
  'bridge-environment-mismatch': {
    status: 403,
    title: 'Sandbox members reach sandbox services only, production members production services only',
  },
  'bridge-endpoint-disabled': { status: 403, title: 'This endpoint of the service is disabled' },
  'bridge-consent-required': {
    status: 403,
    title: 'This service carries personal data: a consent or a legal basis is required',
  },
  'consent-invalid': {
    status: 403,
    title: 'The consent does not cover this call (citizen, partner or service)',
  },
  'consent-inactive': { status: 403, title: 'The consent is paused, revoked, expired or not yet valid' },
  'consent-frequency-exceeded': { status: 429, title: 'The consent allows no more calls in this period' },
  'bridge-unknown-service': { status: 404, title: 'No such service on the bridge' },
  'bridge-unknown-endpoint': { status: 404, title: 'The service has no such endpoint' },
  'bridge-body-too-large': { status: 413, title: 'The request body is larger than the bridge accepts' },
  'bridge-rate-limited': { status: 429, title: 'The access right allows fewer calls per second' },
  'bridge-quota-exceeded': { status: 429, title: "The access right's daily quota is used up" },
  'bridge-provider-error': { status: 502, title: 'The provider could not be reached or broke off' },
  'bridge-provider-timeout': { status: 504, title: 'The provider did not answer in time' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemSlug = keyof typeof problemCatalog;

export const problemType = (slug: ProblemSlug): string => `${problemTypeBase}${slug}`;

export interface InvalidParam {
  /** Where the bad value is: body, query, params or headers. */
  in: string;
  /** JSON Pointer to the value inside that location. */
  pointer: string;
  detail: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: InvalidParam[];
  [extension: string]: unknown;
}

/** Thrown by domain and route code; the error handler turns it into a problem-details answer. */
export class Problem extends Error {
  readonly slug: ProblemSlug;
  readonly status: number;
  readonly detail: string | undefined;
  readonly extensions: Record<string, unknown>;
  constructor(slug: ProblemSlug, detail?: string, extensions: Record<string, unknown> = {}) {
    super(detail ?? problemCatalog[slug].title);
    this.name = 'Problem';
    this.slug = slug;
    this.status = problemCatalog[slug].status;
    this.detail = detail;
    this.extensions = extensions;
  }

  toBody(): ProblemBody {
    return {
      type: problemType(this.slug),
      title: problemCatalog[this.slug].title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...this.extensions,
    };
  }
}

/** A validation failure that names the one bad value: where it is (body, query, params) and its JSON Pointer. */
export const invalidInput = (where: string, pointer: string, detail: string) =>
  new Problem('validation-failed', detail, { errors: [{ in: where, pointer, detail }] });
export const notFound = (detail?: string) => new Problem('not-found', detail);
export const forbidden = (detail?: string) => new Problem('forbidden', detail);
export const unauthenticated = (detail?: string) => new Problem('unauthenticated', detail);
export const conflict = (detail?: string) => new Problem('conflict', detail);
