import { signIn, token } from './auth.ts';

/** An RFC 9457 problem from the API, with its stable type. */
export class ApiProblem extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  /** The problem's other members, e.g. `errors` (field by field) or `expected`. */
  readonly extra: Record<string, unknown>;
  constructor(
    status: number,
    type: string,
    title: string,
    detail?: string,
    extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
    this.status = status;
    this.type = type;
    this.title = title;
    this.detail = detail;
    this.extra = extra;
  }
  /** The problem's slug, the end of its type URI (`urn:jokko:problem:form-invalid`): `form-invalid`. */
  get code(): string {
    return this.type.split(/[:/]/).pop() ?? this.type;
  }
  /** Field errors of a `form-invalid` problem, by JSON Pointer (`/data/purpose`). */
  get fieldErrors(): Array<{ pointer: string; detail: string }> {
    return Array.isArray(this.extra.errors)
      ? (this.extra.errors as Array<{ pointer: string; detail: string }>)
      : [];
  }
}

async function problemOf(res: Response): Promise<ApiProblem> {
  const json = ((await res.json().catch(() => ({}))) ?? {}) as Record<string, unknown>;
  const { type, title, detail, ...extra } = json;
  return new ApiProblem(
    res.status,
    String(type ?? 'about:blank'),
    String(title ?? res.statusText),
    detail as string | undefined,
    extra,
  );
}

/** Calls the Jokko API as the signed-in citizen; an expired token signs in again silently. */
export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const raw = body instanceof Blob;
  const res = await fetch(`/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token() ?? ''}`,
      accept: 'application/json',
      ...(body === undefined || raw ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: raw ? body : JSON.stringify(body) }),
  });
  if (res.status === 401) return signIn({ silent: true });
  if (res.status === 204) return undefined as T;
  if (!res.ok) throw await problemOf(res);
  return (await res.json()) as T;
}

/** Sends a file as the request's body, typed by its Content-Type and named by X-Filename. */
export const upload = <T>(path: string, file: File): Promise<T> =>
  api<T>('PUT', path, file, {
    'content-type': file.type || 'application/octet-stream',
    'x-filename': encodeURIComponent(file.name),
  });

/** A file from the API (e.g. the CSV export), downloaded through the browser. */
export async function download(path: string, filename: string, body?: unknown): Promise<void> {
  const res = await fetch(`/v1${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${token() ?? ''}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw await problemOf(res);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  // Some browsers read the blob after the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
