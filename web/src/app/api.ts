import { signIn, token } from './auth.ts';

/** An RFC 9457 problem from the API, with its stable type. */
export class ApiProblem extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  constructor(status: number, type: string, title: string, detail?: string) {
    super(detail ?? title);
    this.status = status;
    this.type = type;
    this.title = title;
    this.detail = detail;
  }
}

/** Calls the Jokko API as the signed-in citizen; an expired token signs in again silently. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token() ?? ''}`,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status === 401) return signIn({ silent: true });
  if (res.status === 204) return undefined as T;
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok)
    throw new ApiProblem(
      res.status,
      String(json.type ?? 'about:blank'),
      String(json.title ?? res.statusText),
      json.detail as string | undefined,
    );
  return json as T;
}

/** A file from the API (e.g. the CSV export), downloaded through the browser. */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(`/v1${path}`, { headers: { authorization: `Bearer ${token() ?? ''}` } });
  if (!res.ok) throw new ApiProblem(res.status, 'about:blank', res.statusText);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
}
