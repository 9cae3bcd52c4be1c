import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Database } from '../../platform/db/database.ts';

/** A device as far as its user agent tells: a browser and a system, either of which may be unknown. */
export interface DeviceDescription {
  browser: string | null;
  os: string | null;
}

export interface SignInSession {
  /** The session's uid: stable, and not the cookie's value (the `jti`), which stays a secret. */
  id: string;
  startedAt: string;
  /** The last sign-in or token issued through this session, when the server saw one. */
  lastUsedAt: string | null;
  clients: Array<{ id: string; name: string }>;
  device: DeviceDescription | null;
  current: boolean;
}

/** What an authorization container holds beside oidc-provider's own `sid` and `grantId`. */
interface Authorization {
  sid?: string;
  grantId?: string;
  device?: DeviceDescription;
  /** Epoch seconds of the last authorization answered for this client in this session. */
  at?: number;
}

// Order matters: Edge, Opera and Samsung Internet also say "Chrome"; Chrome also says "Safari".
const browsers: Array<[RegExp, string]> = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\b(?:OPR|Opera)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(?:Firefox|FxiOS)\//, 'Firefox'],
  [/\b(?:HeadlessChrome|Chrome|CriOS|Chromium)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];
const systems: Array<[RegExp, string]> = [
  [/\bAndroid\b/, 'Android'],
  [/\b(?:iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

/**
 * "Chrome on Android" from a User-Agent header. Only the two names are kept, never the header:
 * that is all the list needs, and the header carries versions and models the citizen did not ask
 * us to keep.
 */
export function describeUserAgent(userAgent: string | undefined): DeviceDescription | null {
  if (!userAgent) return null;
  const ua = userAgent.slice(0, 512);
  const browser = browsers.find(([re]) => re.test(ua))?.[1] ?? null;
  const os = systems.find(([re]) => re.test(ua))?.[1] ?? null;
  return browser || os ? { browser, os } : null;
}

/**
 * oidc-provider keeps no trace of the browser a session lives in: each answered authorization
 * notes it, with the time, in the session's container for that client, which the provider saves
 * with the session (it keeps the container whole) and deletes with it.
 */
export function rememberSessionDevices(provider: Provider): void {
  provider.on('authorization.success', (ctx: KoaContextWithOIDC) => {
    const clientId = ctx.oidc.client?.clientId;
    const authorizations = ctx.oidc.session?.authorizations as Record<string, Authorization> | undefined;
    const container = clientId ? authorizations?.[clientId] : undefined;
    if (!container) return;
    const device = describeUserAgent(ctx.get('user-agent'));
    if (device) container.device = device;
    else delete container.device;
    container.at = Math.floor(Date.now() / 1000);
  });
}

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

async function sessionRows(database: Database, accountId: string, uid?: string) {
  return database.query<{ uid: string; payload: Record<string, unknown> }>(
    `SELECT uid, payload FROM oidc_payloads
      WHERE model = 'Session' AND payload->>'accountId' = $1 AND uid IS NOT NULL
        AND (expires_at IS NULL OR expires_at > now()) ${uid ? 'AND uid = $2' : ''}
      ORDER BY (payload->>'loginTs')::bigint DESC NULLS LAST, uid`,
    uid ? [accountId, uid] : [accountId],
  );
}

/** My open sign-in sessions at the identity provider, the newest first; `currentUid` is marked. */
export async function listSessions(
  provider: Provider,
  database: Database,
  accountId: string,
  currentUid: string | undefined,
): Promise<SignInSession[]> {
  const rows = await sessionRows(database, accountId);
  if (!rows.length) return [];
  // Tokens carry their session's uid: the last one issued says when the session was last used.
  const issued = await database.query<{ uid: string; at: string }>(
    `SELECT payload->>'sessionUid' AS uid, max((payload->>'iat')::bigint)::text AS at FROM oidc_payloads
      WHERE model IN ('AccessToken', 'RefreshToken') AND payload->>'accountId' = $1
        AND payload->>'sessionUid' = ANY($2::text[])
      GROUP BY 1`,
    [accountId, rows.map((r) => r.uid)],
  );
  const tokenAt = new Map(issued.map((r) => [r.uid, Number(r.at)]));
  const names = new Map<string, string>();
  const nameOf = async (clientId: string) => {
    if (!names.has(clientId)) {
      const client = await provider.Client.find(clientId);
      names.set(clientId, String(client?.clientName ?? clientId));
    }
    return names.get(clientId)!;
  };
  return Promise.all(
    rows.map(async (row) => {
      const authorizations = Object.entries(
        (row.payload.authorizations ?? {}) as Record<string, Authorization>,
      );
      const latest = authorizations
        .filter(([, a]) => typeof a.at === 'number')
        .sort(([, a], [, b]) => b.at! - a.at!)[0]?.[1];
      const loginTs = Number(row.payload.loginTs ?? row.payload.iat ?? 0);
      const lastUsed = Math.max(latest?.at ?? 0, tokenAt.get(row.uid) ?? 0);
      return {
        id: row.uid,
        startedAt: iso(loginTs),
        lastUsedAt: lastUsed ? iso(Math.max(lastUsed, loginTs)) : null,
        clients: await Promise.all(authorizations.map(async ([id]) => ({ id, name: await nameOf(id) }))),
        device: latest?.device ?? null,
        current: row.uid === currentUid,
      };
    }),
  );
}

/**
 * Ends one of my sessions: the grants given in it, every token and code issued under them or
 * bound to the session, then the session itself (its cookie then opens nothing). Someone else's
 * session is as absent as an unknown one: `undefined`.
 */
export async function endSession(
  provider: Provider,
  database: Database,
  accountId: string,
  uid: string,
): Promise<{ clientIds: string[] } | undefined> {
  const [row] = await sessionRows(database, accountId, uid);
  if (!row) return undefined;
  const authorizations = (row.payload.authorizations ?? {}) as Record<string, Authorization>;
  for (const { grantId } of Object.values(authorizations)) {
    if (!grantId) continue;
    await provider.AccessToken.revokeByGrantId(grantId);
    await (await provider.Grant.find(grantId))?.destroy();
  }
  await database.query(
    `DELETE FROM oidc_payloads
      WHERE model IN ('AccessToken', 'RefreshToken', 'AuthorizationCode')
        AND payload->>'sessionUid' = $1 AND payload->>'accountId' = $2`,
    [uid, accountId],
  );
  await database.query(
    `DELETE FROM oidc_payloads WHERE model = 'Session' AND uid = $1 AND payload->>'accountId' = $2`,
    [uid, accountId],
  );
  return { clientIds: Object.keys(authorizations) };
}

/** The session a citizen's access token was issued in, if it came through one (CIBA's did not). */
export async function sessionOfAccessToken(provider: Provider, token: string): Promise<string | undefined> {
  const accessToken = await provider.AccessToken.find(token);
  return typeof accessToken?.sessionUid === 'string' ? accessToken.sessionUid : undefined;
}

/** Ends all my sessions but `keepUid`; returns how many ended. */
export async function endOtherSessions(
  provider: Provider,
  database: Database,
  accountId: string,
  keepUid: string | undefined,
): Promise<number> {
  let ended = 0;
  for (const row of await sessionRows(database, accountId)) {
    if (row.uid === keepUid) continue;
    if (await endSession(provider, database, accountId, row.uid)) ended++;
  }
  return ended;
}
