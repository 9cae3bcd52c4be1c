/**
 * Banque Teranga (demo): a bank's loan-application site built on Jokko the way a real bank would
 * build it, with public APIs only: "Log in with Jokko" (OpenID Connect, openid-client), a consent
 * request for identity, address, tax status and land titles answered during that sign-in, then
 * the form filled from the Digital Bridge with that consent (jokko/client).
 *
 *   npm run example:bank              # after `npm start`, which onboards the bank and writes data/demo-bank.json
 *   BANK_CONFIG=path/to/bank.json npm run example:bank
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { createBridgeClient, createPartnerClient, JokkoProblem } from 'jokko/client';
import * as oidc from 'openid-client';
import {
  type Application,
  type BankData,
  formPage,
  homePage,
  messagePage,
  problemPage,
  stylesheet,
} from './pages.ts';

export interface BankConfig {
  /** Where Jokko is reached (the API, the bridge and the identity provider). */
  jokkoUrl: string;
  apiKey: string;
  oidc: { issuer: string; clientId: string; clientSecret: string; redirectUris: string[] };
  bridge: { client: string; subsystemId: string; keyids: string[] };
  /** PEM file of the bridge signing key (its public half was uploaded when the bank applied). */
  privateKeyFile: string;
  port: number;
  /** The country's bridge instance, for the service ids (SN). */
  instance?: string;
}

const configPath = resolve(process.env.BANK_CONFIG ?? 'data/demo-bank.json');

function loadConfig(): BankConfig {
  try {
    return JSON.parse(readFileSync(configPath, 'utf8')) as BankConfig;
  } catch (err) {
    process.stderr.write(
      `Cannot read the bank's configuration at ${configPath} (${(err as Error).message}).\n` +
        'Start Jokko first (npm start): in embedded mode it onboards the demo bank and writes that file.\n',
    );
    process.exit(1);
  }
}

const config = loadConfig();
const instance = config.instance ?? 'SN';
const services = {
  identity: `${instance}/GOV/DAF/registries/people/v1`,
  taxes: `${instance}/GOV/DGID/registries/tax-records/v1`,
  land: `${instance}/GOV/DGID/registries/land-titles/v1`,
};
const redirectUri = config.oidc.redirectUris[0] ?? `http://localhost:${config.port}/callback`;
const insecure = new URL(config.oidc.issuer).protocol === 'http:';

const jokko = createPartnerClient({ jokkoUrl: config.jokkoUrl, apiKey: config.apiKey });
const bridge = createBridgeClient({
  bridgeUrl: config.jokkoUrl,
  client: config.bridge.client,
  keyid: config.bridge.keyids[0] ?? '',
  privateKey: readFileSync(resolve(config.privateKeyFile), 'utf8'),
  alg: 'ed25519',
});
let provider: oidc.Configuration | undefined;
async function identityProvider(): Promise<oidc.Configuration> {
  provider ??= await oidc.discovery(
    new URL(config.oidc.issuer),
    config.oidc.clientId,
    config.oidc.clientSecret,
    undefined,
    insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
  );
  return provider;
}

/** The bank's own sessions (a real bank keeps them in its database). */
interface Session {
  login?: { verifier: string; state: string; nonce: string; requestId: string };
  nin?: string;
  consentId?: string;
  name?: string;
  submitted?: Application;
}
const sessions = new Map<string, Session>();

function session(req: IncomingMessage, res: ServerResponse): Session {
  const sid = /(?:^|;\s*)bank_sid=([A-Za-z0-9_-]{20,})/.exec(req.headers.cookie ?? '')?.[1];
  if (sid && sessions.has(sid)) return sessions.get(sid)!;
  const fresh = randomBytes(24).toString('base64url');
  const value: Session = {};
  sessions.set(fresh, value);
  res.setHeader('set-cookie', `bank_sid=${fresh}; Path=/; HttpOnly; SameSite=Lax`);
  return value;
}

function send(res: ServerResponse, status: number, html: string) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy':
      "default-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'",
    'cache-control': 'no-store',
  });
  res.end(html);
}

function redirect(res: ServerResponse, to: string) {
  res.writeHead(302, { location: to });
  res.end();
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

/** The form's data, read through the Digital Bridge under the citizen's consent. */
async function fetchData(s: Session): Promise<BankData> {
  const nin = s.nin ?? '';
  const call = async <T>(service: string, path: string): Promise<T> => {
    const answer = await bridge.call({ service, path, subject: nin, consent: s.consentId ?? '' });
    const body = answer.json<Record<string, unknown>>();
    if (answer.status !== 200) throw new JokkoProblem(answer.status, body);
    return body as T;
  };
  const person = await call<BankData['person']>(services.identity, `/people/${nin}`);
  const taxes = await call<{ records: BankData['taxes'] }>(services.taxes, `/people/${nin}/tax-records`);
  const land = await call<{ records: BankData['land'] }>(services.land, `/people/${nin}/land-titles`);
  return { person, taxes: taxes.records, land: land.records };
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', `http://localhost:${config.port}`);
  const s = session(req, res);
  if (req.method === 'GET' && url.pathname === '/bank.css') {
    res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=3600' });
    res.end(stylesheet);
    return;
  }
  if (req.method === 'GET' && url.pathname === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
    return;
  }
  if (req.method === 'GET' && url.pathname === '/') return send(res, 200, homePage(s.name));

  if (req.method === 'GET' && url.pathname === '/login') {
    // The data request first; the sign-in then carries it, and the citizen answers both at once.
    const request = await jokko.requestConsent({
      partnerSubsystemId: config.bridge.subsystemId,
      services: [services.identity, services.taxes, services.land],
      fields: {
        [services.identity]: ['nin', 'givenNames', 'familyName', 'sex', 'birthDate', 'address', 'phone'],
      },
      purpose: 'credit-assessment',
      purposeText: 'Étude de votre demande de prêt immobilier',
      validDays: 30,
      frequency: { type: 'recurring', perDay: 20 },
      dataLifeDays: 365,
    });
    const verifier = oidc.randomPKCECodeVerifier();
    s.login = { verifier, state: oidc.randomState(), nonce: oidc.randomNonce(), requestId: request.id };
    const to = oidc.buildAuthorizationUrl(await identityProvider(), {
      redirect_uri: redirectUri,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: s.login.state,
      nonce: s.login.nonce,
      consent_request: request.id,
    });
    return redirect(res, to.href);
  }

  if (req.method === 'GET' && url.pathname === new URL(redirectUri).pathname) {
    const login = s.login;
    s.login = undefined;
    if (!login)
      return send(res, 400, messagePage('Session expirée', 'Recommencez depuis la page d’accueil.'));
    if (url.searchParams.get('error'))
      return send(
        res,
        403,
        messagePage(
          'Connexion interrompue',
          url.searchParams.get('error') === 'access_denied'
            ? 'Vous avez refusé : la banque ne lira aucune donnée vous concernant.'
            : `Jokko a répondu : ${url.searchParams.get('error_description') ?? url.searchParams.get('error')}`,
        ),
      );
    const tokens = await oidc.authorizationCodeGrant(await identityProvider(), url, {
      pkceCodeVerifier: login.verifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
    });
    const claims = tokens.claims();
    // The artefact, verified offline against Jokko's published keys, names the citizen.
    const consent = await jokko.verifiedConsent(login.requestId);
    s.nin = consent.claims.sub;
    s.consentId = consent.consentId;
    s.name = typeof claims?.name === 'string' ? claims.name : undefined;
    return redirect(res, '/application');
  }

  if (url.pathname === '/application') {
    if (!s.nin) return redirect(res, '/');
    if (req.method === 'POST') {
      const form = await readForm(req);
      const amount = Number(form.get('amount'));
      if (!Number.isInteger(amount) || amount < 100_000 || amount > 500_000_000)
        return send(res, 400, messagePage('Montant invalide', 'Entre 100 000 et 500 000 000 FCFA.'));
      s.submitted = { amount, months: Number(form.get('months')) || 120 };
      return send(
        res,
        200,
        messagePage(
          'Demande enregistrée',
          `Votre demande de ${new Intl.NumberFormat('fr-SN').format(amount)} FCFA est à l’étude.`,
        ),
      );
    }
    try {
      return send(res, 200, formPage(await fetchData(s)));
    } catch (err) {
      if (err instanceof JokkoProblem) return send(res, err.status, problemPage(err.body));
      throw err;
    }
  }

  if (req.method === 'POST' && url.pathname === '/logout') {
    for (const [k, v] of sessions) if (v === s) sessions.delete(k);
    return redirect(res, '/');
  }
  send(res, 404, messagePage('Page introuvable', ''));
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    process.stderr.write(`bank: ${(err as Error).stack ?? err}\n`);
    if (!res.headersSent)
      send(res, 502, messagePage('Service indisponible', 'La banque n’a pas pu joindre Jokko. Réessayez.'));
    else res.end();
  });
});
server.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(
    `Banque Teranga (demo) on http://localhost:${config.port}/ — Jokko at ${config.jokkoUrl}\n`,
  );
});
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => server.close(() => process.exit(0)));
