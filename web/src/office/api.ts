import { signIn, token } from './auth.ts';

/** An RFC 9457 problem from the API: its stable type's slug, title and detail. */
export class ApiProblem extends Error {
  readonly status: number;
  /** The slug of `urn:jokko:problem:<slug>` (`not-found`, `transition-forbidden`...). */
  readonly slug: string;
  readonly title: string;
  readonly detail: string | undefined;
  constructor(status: number, type: string, title: string, detail?: string) {
    super(detail ?? title);
    this.status = status;
    this.slug = type.replace(/^urn:jokko:problem:/, '');
    this.title = title;
    this.detail = detail;
  }
}

const problemOf = async (res: Response): Promise<ApiProblem> => {
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return new ApiProblem(
    res.status,
    String(json.type ?? 'about:blank'),
    String(json.title ?? res.statusText),
    typeof json.detail === 'string' ? json.detail : undefined,
  );
};

const authorization = () => ({ authorization: `Bearer ${token() ?? ''}` });

/** Calls the Jokko API as the signed-in agent; an expired token signs in again silently. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/v1${path}`, {
    method,
    headers: {
      ...authorization(),
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status === 401) return signIn({ silent: true });
  if (res.status === 204) return undefined as T;
  if (!res.ok) throw await problemOf(res);
  return (await res.json()) as T;
}

/** A document of an application, fetched with the token and handed to the browser as a download. */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(`/v1${path}`, { headers: authorization() });
  if (res.status === 401) return signIn({ silent: true });
  if (!res.ok) throw await problemOf(res);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
