/**
 * The identity pages: server-rendered HTML, one stylesheet and one small script (passkeys only),
 * in the country profile's languages. Every value that reaches the page goes through `escapeHtml`.
 * The Wolof strings are a first draft to be reviewed by native speakers.
 */

export const pageLanguages = ['fr', 'wo', 'en'] as const;
export type PageLanguage = (typeof pageLanguages)[number];

const fr = {
  enrolTitle: 'Activer mon identité numérique',
  enrolIntro: 'Saisissez votre NIN et le code d’activation reçu par SMS, par courrier ou au guichet.',
  activationCode: 'Code d’activation',
  continue: 'Continuer',
  badActivation: 'NIN ou code d’activation incorrect, ou code expiré.',
  choosePassword: 'Choisissez un mot de passe',
  passwordRules: '12 caractères au moins ; pas un mot de passe courant ni votre NIN.',
  passwordAgain: 'Le même mot de passe, encore une fois',
  mismatch: 'Les deux mots de passe diffèrent.',
  pw_too_short: 'Mot de passe trop court : 12 caractères au moins.',
  pw_too_long: 'Mot de passe trop long : 128 caractères au plus.',
  pw_common: 'Ce mot de passe est trop courant : choisissez-en un autre.',
  pw_contains_nin: 'Le mot de passe ne doit pas contenir votre NIN.',
  factorSetup: 'Ajoutez un second facteur',
  factorSetupIntro:
    'Il protège votre compte si quelqu’un apprend votre mot de passe. Choisissez l’un des deux.',
  totpSetup: 'Application d’authentification',
  scanQr: 'Scannez ce QR avec votre application d’authentification, puis saisissez le code à 6 chiffres.',
  orKey: 'Ou saisissez cette clé :',
  passkeySetup: 'Clé d’accès (empreinte, visage ou code de ce téléphone)',
  passkeyName: 'Nom de cet appareil',
  addPasskey: 'Créer une clé d’accès',
  recoveryTitle: 'Vos codes de secours',
  recoveryKeep:
    'Gardez-les en lieu sûr : chacun ne sert qu’une fois, si vous perdez votre second facteur. Ils ne seront plus affichés.',
  enrolDone:
    'Votre identité numérique est active. Vous pouvez vous connecter aux services publics et à votre banque.',
  signIn: 'Se connecter',
  signInTitle: 'Se connecter avec Jokko',
  asks: '{client} demande votre identité numérique.',
  nin: 'Numéro d’identification national (NIN)',
  ninHint: '13 chiffres, au dos de votre carte d’identité CEDEAO',
  password: 'Mot de passe',
  orPasskey: 'Ou, sans mot de passe :',
  usePasskey: 'Utiliser une clé d’accès',
  invalid: 'NIN ou mot de passe incorrect.',
  locked: 'Compte temporairement verrouillé. Réessayez plus tard.',
  tooMany: 'Trop de tentatives depuis votre connexion. Réessayez dans {seconds} secondes.',
  factorTitle: 'Deuxième vérification',
  stepUp: '{client} demande le niveau de garantie « {acr} ». Confirmez avec un second facteur.',
  totpLabel: 'Code à 6 chiffres de votre application d’authentification',
  verify: 'Vérifier',
  recoveryLabel: 'Code de secours',
  recoveryHelp: 'Vous n’avez plus votre téléphone ? Utilisez un code de secours.',
  badCode: 'Code incorrect.',
  passkeyFailed: 'La clé d’accès n’a pas été acceptée.',
  needPasskey: 'Ce service exige une clé d’accès avec vérification (empreinte, visage ou code).',
  consentTitle: 'Autoriser {client}',
  willRead: '{client} pourra lire :',
  allow: 'Autoriser',
  deny: 'Refuser',
  language: 'Langue',
  error: 'Erreur',
  badSession: 'Cette session de connexion n’est plus valable. Recommencez depuis le service.',
  noscript: 'Les clés d’accès demandent JavaScript ; le mot de passe et le code fonctionnent sans.',
  scope_profile: 'vos nom, prénoms, date de naissance et sexe',
  scope_address: 'votre adresse',
  scope_phone: 'votre numéro de téléphone',
  scope_email: 'votre adresse e-mail',
  scope_nin: 'votre NIN',
  scope_offline_access: 'ces données sans vous le redemander, jusqu’à révocation',
  scope_openid: 'votre identifiant',
  logoutTitle: 'Se déconnecter de Jokko',
  logoutAsk: 'Voulez-vous fermer votre session sur cet appareil ?',
  logoutYes: 'Me déconnecter',
  logoutNo: 'Rester connecté',
  loggedOut: 'Vous êtes déconnecté.',
  dataTitle: '{partner} demande aussi des données que l’État détient sur vous',
  dataPurpose: 'Pour : {purpose}',
  dataItems: 'Données demandées, lues via la Passerelle numérique :',
  dataOnlyFields: 'seulement : {fields}',
  dataValidity: 'Accord valable {days} jours, révocable à tout moment dans l’application Jokko.',
  dataOnce: 'Une seule lecture.',
  dataRecurring: 'Jusqu’à {n} lectures par jour.',
  dataLife: '{partner} s’engage à ne pas conserver ces données plus de {days} jours.',
  dataNotice: 'Vous verrez chaque lecture dans « Qui a consulté mes données ».',
};
type Strings = typeof fr;

const wo: Strings = {
  enrolTitle: 'Doxal sama identité numérique',
  enrolIntro: 'Bindal sa NIN ak kodu doxal bi nga jot ci SMS, ci bataaxal walla ci guichet bi.',
  activationCode: 'Kodu doxal',
  continue: 'Kontine',
  badActivation: 'NIN bi walla kodu doxal bi baaxul, walla jot na.',
  choosePassword: 'Tànnal ab baatu jàll',
  passwordRules: '12 araf lu mu néew; du baatu jàll bu siiw, du sa NIN.',
  passwordAgain: 'Baatu jàll bi, benn yoon ci kanam',
  mismatch: 'Ñaari baatu jàll yi bokkuñu.',
  pw_too_short: 'Baatu jàll bi gatt na: 12 araf lu mu néew.',
  pw_too_long: 'Baatu jàll bi gudd na: 128 araf lu ëpp.',
  pw_common: 'Baatu jàll bii siiw na lool: tànnal beneen.',
  pw_contains_nin: 'Baatu jàll bi warul a am sa NIN.',
  factorSetup: 'Yokkal beneen pexe',
  factorSetupIntro: 'Mooy aar sa kont bu keneen xamee sa baatu jàll. Tànnal benn ci ñaar yi.',
  totpSetup: 'Aplikaasioŋ authentification',
  scanQr: 'Scanneel QR bii ak sa aplikaasioŋ, te bind kod bu 6 siffar bi.',
  orKey: 'Walla bind caabi bii:',
  passkeySetup: 'Caabi dugg (baaraam, kanam walla kodu telefon bii)',
  passkeyName: 'Turu masin bii',
  addPasskey: 'Sos caabi dugg',
  recoveryTitle: 'Say kodu wallu',
  recoveryKeep: 'Denc leen fu wóor: ku nekk benn yoon rekk, bu sa ñaareelu pexe réeree. Duñu leen wonaat.',
  enrolDone: 'Sa identité numérique dox na. Man nga duggu ci liggéeyu nguur yi ak sa bank.',
  signIn: 'Duggu',
  signInTitle: 'Duggu ak Jokko',
  asks: '{client} dafay laaj sa identité numérique.',
  nin: 'Nimero identite nasiyonaal (NIN)',
  ninHint: '13 siffar, ci ginnaaw sa kartu identite CEDEAO',
  password: 'Baatu jàll',
  orPasskey: 'Walla, te amul baatu jàll:',
  usePasskey: 'Jëfandikoo caabi dugg',
  invalid: 'NIN bi walla baatu jàll bi baaxul.',
  locked: 'Sa kont bi dañu ko tëj ab diir. Jéemaatal ci kanam.',
  tooMany: 'Jéem yu bari lool. Jéemaatal ci {seconds} saa.',
  factorTitle: 'Saytu bu ñaareel',
  stepUp: '{client} dafay laaj kaarange « {acr} ». Dëggalal ak beneen pexe.',
  totpLabel: 'Kod 6 siffar bi nekk ci sa aplikaasioŋ',
  verify: 'Saytu',
  recoveryLabel: 'Kodu wallu',
  recoveryHelp: 'Amatoo sa telefon? Jëfandikoo kodu wallu.',
  badCode: 'Kod bi baaxul.',
  passkeyFailed: 'Caabi dugg bi nanguwuñu ko.',
  needPasskey: 'Liggéey bii dafay laaj caabi dugg bu ñuy saytu (baaraam, kanam walla kod).',
  consentTitle: 'May {client}',
  willRead: '{client} dina man a jàng:',
  allow: 'May ko',
  deny: 'Bañ',
  language: 'Làkk',
  error: 'Njuumte',
  badSession: 'Session bii baaxatul. Tàmbaliwaatal ci liggéey bi.',
  noscript: 'Caabi dugg yi dañuy laaj JavaScript; baatu jàll bi ak kod bi dañuy dox te soxlawuñu ko.',
  scope_profile: 'sa tur, sa sant, sa bésu juddu ak sa jinne',
  scope_address: 'sa adrees',
  scope_phone: 'sa nimero telefon',
  scope_email: 'sa imeel',
  scope_nin: 'sa NIN',
  scope_offline_access: 'xibaar yii te du la ko laajaat, ba nga koy dindi',
  scope_openid: 'sa identifiant',
  logoutTitle: 'Génn Jokko',
  logoutAsk: 'Ndax danga bëgg a tëj sa session ci jumtukaay bii?',
  logoutYes: 'Génn',
  logoutNo: 'Des fi',
  loggedOut: 'Génn nga.',
  dataTitle: '{partner} dafay laaj itam xibaar yu Nguur gi am ci yow',
  dataPurpose: 'Ngir : {purpose}',
  dataItems: 'Xibaar yi ñu laaj, ñuy jàng ci Passerelle numérique bi :',
  dataOnlyFields: 'rekk : {fields}',
  dataValidity: 'Ndigal bi dina yàgg {days} fan; man nga koo dindi saa su la neexee ci Jokko.',
  dataOnce: 'Benn jàng rekk.',
  dataRecurring: 'Ba {n} jàng ci bés bu nekk.',
  dataLife: '{partner} dafa digle du denc xibaar yii lu ëpp {days} fan.',
  dataNotice: 'Dinga gis jàng bu nekk ci « Kan moo xool samay xibaar ».',
};

const en: Strings = {
  enrolTitle: 'Activate my digital identity',
  enrolIntro: 'Enter your NIN and the activation code you received by SMS, by post or at the counter.',
  activationCode: 'Activation code',
  continue: 'Continue',
  badActivation: 'Incorrect NIN or activation code, or the code has expired.',
  choosePassword: 'Choose a password',
  passwordRules: 'At least 12 characters; not a common password, not your NIN.',
  passwordAgain: 'The same password again',
  mismatch: 'The two passwords differ.',
  pw_too_short: 'Password too short: at least 12 characters.',
  pw_too_long: 'Password too long: 128 characters at most.',
  pw_common: 'This password is too common: choose another.',
  pw_contains_nin: 'The password must not contain your NIN.',
  factorSetup: 'Add a second factor',
  factorSetupIntro: 'It protects your account if someone learns your password. Choose one of the two.',
  totpSetup: 'Authenticator app',
  scanQr: 'Scan this QR code with your authenticator app, then enter the 6-digit code.',
  orKey: 'Or enter this key:',
  passkeySetup: 'Passkey (fingerprint, face or PIN of this phone)',
  passkeyName: 'Name of this device',
  addPasskey: 'Create a passkey',
  recoveryTitle: 'Your recovery codes',
  recoveryKeep:
    'Keep them somewhere safe: each works once, if you lose your second factor. They will not be shown again.',
  enrolDone: 'Your digital identity is active. You can sign in to public services and to your bank.',
  signIn: 'Sign in',
  signInTitle: 'Sign in with Jokko',
  asks: '{client} is asking for your digital identity.',
  nin: 'National identification number (NIN)',
  ninHint: '13 digits, on the back of your ECOWAS identity card',
  password: 'Password',
  orPasskey: 'Or, without a password:',
  usePasskey: 'Use a passkey',
  invalid: 'Incorrect NIN or password.',
  locked: 'Account temporarily locked. Try again later.',
  tooMany: 'Too many attempts from your connection. Try again in {seconds} seconds.',
  factorTitle: 'Second check',
  stepUp: '{client} requires assurance level “{acr}”. Confirm with a second factor.',
  totpLabel: '6-digit code from your authenticator app',
  verify: 'Verify',
  recoveryLabel: 'Recovery code',
  recoveryHelp: 'Lost your phone? Use a recovery code.',
  badCode: 'Incorrect code.',
  passkeyFailed: 'The passkey was not accepted.',
  needPasskey: 'This service requires a passkey with verification (fingerprint, face or PIN).',
  consentTitle: 'Allow {client}',
  willRead: '{client} will be able to read:',
  allow: 'Allow',
  deny: 'Deny',
  language: 'Language',
  error: 'Error',
  badSession: 'This sign-in session is no longer valid. Start again from the service.',
  noscript: 'Passkeys need JavaScript; the password and the code work without it.',
  scope_profile: 'your names, date of birth and sex',
  scope_address: 'your address',
  scope_phone: 'your phone number',
  scope_email: 'your e-mail address',
  scope_nin: 'your NIN',
  scope_offline_access: 'this data without asking you again, until you revoke it',
  scope_openid: 'your identifier',
  logoutTitle: 'Sign out of Jokko',
  logoutAsk: 'Do you want to end your session on this device?',
  logoutYes: 'Sign me out',
  logoutNo: 'Stay signed in',
  loggedOut: 'You are signed out.',
  dataTitle: '{partner} also asks for data the State holds about you',
  dataPurpose: 'For: {purpose}',
  dataItems: 'Data asked for, read through the Digital Bridge:',
  dataOnlyFields: 'only: {fields}',
  dataValidity: 'Valid for {days} days; you can revoke it at any time in the Jokko app.',
  dataOnce: 'One reading only.',
  dataRecurring: 'Up to {n} readings a day.',
  dataLife: '{partner} undertakes not to keep this data longer than {days} days.',
  dataNotice: 'You will see every reading under “Who read my data”.',
};

const dictionaries: Record<PageLanguage, Strings> = { fr, wo, en };

/**
 * Names of the reference registries and of the person fields a partner may ask for, per page
 * language; anything else is shown as the catalogue names it.
 */
const dataLabels: Record<PageLanguage, Record<string, string>> = {
  fr: {
    'registry:people': 'Registre national de la population (identité, adresse)',
    'registry:tax-records': 'Situation fiscale (DGID)',
    'registry:land-titles': 'Titres fonciers (DGID)',
    'registry:vehicles': 'Véhicules immatriculés',
    'registry:driving-licences': 'Permis de conduire',
    'registry:diplomas': 'Diplômes',
    'registry:pension-records': 'Sécurité sociale et retraite',
    nin: 'NIN',
    givenNames: 'prénoms',
    familyName: 'nom',
    sex: 'sexe',
    birthDate: 'date de naissance',
    birthPlace: 'lieu de naissance',
    address: 'adresse',
    phone: 'téléphone',
    email: 'e-mail',
    civilStatus: 'situation matrimoniale',
    nationality: 'nationalité',
  },
  wo: {
    'registry:people': 'Limu askan wi (identité, adrees)',
    'registry:tax-records': 'Sa njëgu lempo (DGID)',
    'registry:land-titles': 'Kayitu suuf (DGID)',
    'registry:vehicles': 'Oto yi ñu bind',
    'registry:driving-licences': 'Permi',
    'registry:diplomas': 'Diplom yi',
    'registry:pension-records': 'Sécurité sociale ak retraite',
    nin: 'NIN',
    givenNames: 'tur',
    familyName: 'sant',
    sex: 'jinne',
    birthDate: 'bésu juddu',
    birthPlace: 'fa nga juddoo',
    address: 'adrees',
    phone: 'telefon',
    email: 'imeel',
    civilStatus: 'séy',
    nationality: 'réew',
  },
  en: {
    'registry:people': 'National population register (identity, address)',
    'registry:tax-records': 'Tax status (DGID)',
    'registry:land-titles': 'Land titles (DGID)',
    'registry:vehicles': 'Registered vehicles',
    'registry:driving-licences': 'Driving licences',
    'registry:diplomas': 'Diplomas',
    'registry:pension-records': 'Social security and pensions',
    nin: 'NIN',
    givenNames: 'given names',
    familyName: 'family name',
    sex: 'sex',
    birthDate: 'date of birth',
    birthPlace: 'place of birth',
    address: 'address',
    phone: 'phone',
    email: 'e-mail',
    civilStatus: 'civil status',
    nationality: 'nationality',
  },
};

function dataItemLabel(lang: PageLanguage, item: { service: string; title: string }): string {
  const registry = /\/registries\/([a-z-]+)\/v\d+$/.exec(item.service)?.[1];
  return (registry && dataLabels[lang][`registry:${registry}`]) || item.title;
}
const languageNames: Record<PageLanguage, string> = { fr: 'Français', wo: 'Wolof', en: 'English' };

export type Translate = (key: keyof Strings, values?: Record<string, string | number>) => string;

export function translator(lang: PageLanguage): Translate {
  const strings = dictionaries[lang];
  return (key, values = {}) =>
    strings[key].replace(/\{(\w+)\}/g, (_, name: string) => escapeHtml(String(values[name] ?? '')));
}

/**
 * The page language: an explicit choice (?lang= or the cookie it sets), then the relying party's
 * ui_locales, then the browser's Accept-Language, then the country's default.
 */
export function pickLanguage(
  candidates: (string | undefined)[],
  acceptLanguage: string | undefined,
  fallback: string,
): PageLanguage {
  const wanted = [
    ...candidates.flatMap((c) => (c ? c.split(/[ ,]/) : [])),
    ...(acceptLanguage ?? '')
      .split(',')
      .map((part) => part.split(';')[0]!.trim())
      .filter(Boolean),
    fallback,
  ];
  for (const tag of wanted) {
    const base = tag.toLowerCase().split('-')[0] as PageLanguage;
    if (pageLanguages.includes(base)) return base;
  }
  return 'fr';
}

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface PageContext {
  lang: PageLanguage;
  t: Translate;
  /** Path of the current page, for the language links. */
  path: string;
  csrf: string;
}

export function layout(
  ctx: PageContext,
  title: string,
  body: string,
  options: { scripts?: boolean } = {},
): string {
  const languages = pageLanguages
    .map((l) =>
      l === ctx.lang
        ? `<li><span aria-current="true">${languageNames[l]}</span></li>`
        : `<li><a href="${escapeHtml(ctx.path)}?lang=${l}" hreflang="${l}" lang="${l}">${languageNames[l]}</a></li>`,
    )
    .join('');
  const scripts = options.scripts
    ? '<script src="/interaction-assets/webauthn-browser.js" defer></script><script src="/interaction-assets/passkey.js" defer></script>'
    : '';
  return `<!doctype html><html lang="${ctx.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} — Jokko</title><link rel="stylesheet" href="/interaction-assets/jokko.css">${scripts}</head>
<body><header><span class="brand">Jokko</span><nav aria-label="${ctx.t('language')}"><ul class="languages">${languages}</ul></nav></header>
<main id="main">${body}</main></body></html>`;
}

const alert = (message?: string) =>
  message ? `<p role="alert" class="alert">${message}</p>` : '<p role="alert" class="alert" hidden></p>';
const csrfField = (ctx: PageContext) => `<input type="hidden" name="csrf" value="${escapeHtml(ctx.csrf)}">`;

export function loginPage(ctx: PageContext, uid: string, clientName: string, error?: string): string {
  const { t } = ctx;
  return layout(
    ctx,
    t('signIn'),
    `<h1>${t('signInTitle')}</h1><p>${t('asks', { client: clientName })}</p>${alert(error)}
<form method="post" action="/interaction/${uid}/login">${csrfField(ctx)}
<label for="nin">${t('nin')}</label><input id="nin" name="nin" inputmode="numeric" autocomplete="username" aria-describedby="nin-hint" required maxlength="32"><small id="nin-hint">${t('ninHint')}</small>
<label for="password">${t('password')}</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256">
<button type="submit">${t('signIn')}</button></form>
<p>${t('orPasskey')}</p><button type="button" class="secondary" data-passkey="login" data-base="/interaction/${uid}" data-csrf="${escapeHtml(ctx.csrf)}" data-failed="${t('passkeyFailed')}">${t('usePasskey')}</button>
<noscript><p>${t('noscript')}</p></noscript>`,
    { scripts: true },
  );
}

export function factorPage(
  ctx: PageContext,
  uid: string,
  clientName: string,
  options: { requested: string; totp: boolean; passkey: boolean; recovery: boolean; error?: string },
): string {
  const { t } = ctx;
  const totp = options.totp
    ? `<form method="post" action="/interaction/${uid}/totp">${csrfField(ctx)}
<label for="code">${t('totpLabel')}</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required>
<button type="submit">${t('verify')}</button></form>`
    : '';
  const passkey = options.passkey
    ? `<button type="button" class="${options.totp ? 'secondary' : ''}" data-passkey="login" data-base="/interaction/${uid}" data-csrf="${escapeHtml(ctx.csrf)}" data-failed="${t('passkeyFailed')}">${t('usePasskey')}</button>`
    : '';
  const recovery = options.recovery
    ? `<details><summary>${t('recoveryHelp')}</summary><form method="post" action="/interaction/${uid}/recovery">${csrfField(ctx)}
<label for="recovery">${t('recoveryLabel')}</label><input id="recovery" name="code" autocomplete="off" maxlength="16" required>
<button type="submit" class="secondary">${t('verify')}</button></form></details>`
    : '';
  return layout(
    ctx,
    t('factorTitle'),
    `<h1>${t('factorTitle')}</h1><p>${t('stepUp', { client: clientName, acr: options.requested })}</p>${alert(options.error)}
${totp}${passkey}${recovery}<noscript><p>${t('noscript')}</p></noscript>`,
    { scripts: options.passkey },
  );
}

export interface DataRequestDisplay {
  summary: {
    partnerName: string;
    items: Array<{ service: string; title: string; fields?: string[] }>;
    purpose: string;
    validDays: number;
    frequency: { type: 'once' } | { type: 'recurring'; perDay: number };
    dataLifeDays: number;
  };
}

function dataRequestSection(ctx: PageContext, data: DataRequestDisplay['summary']): string {
  const { t } = ctx;
  const partner = data.partnerName;
  const items = data.items
    .map(
      (i) =>
        `<li>${escapeHtml(dataItemLabel(ctx.lang, i))}${i.fields?.length ? ` (${t('dataOnlyFields', { fields: i.fields.map((f) => dataLabels[ctx.lang][f] ?? f).join(', ') })})` : ''}</li>`,
    )
    .join('');
  return `<section aria-labelledby="data-request"><h2 id="data-request">${t('dataTitle', { partner })}</h2>
<p>${t('dataPurpose', { purpose: data.purpose })}</p><p>${t('dataItems')}</p><ul>${items}</ul>
<p>${t('dataValidity', { days: data.validDays })} ${data.frequency.type === 'once' ? t('dataOnce') : t('dataRecurring', { n: data.frequency.perDay })}</p>
<p>${t('dataLife', { partner, days: data.dataLifeDays })}</p><p>${t('dataNotice')}</p></section>`;
}

export function consentPage(
  ctx: PageContext,
  uid: string,
  clientName: string,
  scopes: string[],
  data?: DataRequestDisplay,
): string {
  const { t } = ctx;
  const items = (scopes.length ? scopes : ['openid'])
    .map((s) => {
      const key = `scope_${s}` as keyof Strings;
      return `<li>${key in fr ? t(key) : escapeHtml(s)}</li>`;
    })
    .join('');
  return layout(
    ctx,
    t('consentTitle', { client: clientName }),
    `<h1>${t('consentTitle', { client: clientName })}</h1><p>${t('willRead', { client: clientName })}</p><ul>${items}</ul>
${data ? dataRequestSection(ctx, data.summary) : ''}<div class="actions"><form method="post" action="/interaction/${uid}/confirm">${csrfField(ctx)}<button type="submit">${t('allow')}</button></form>
<form method="post" action="/interaction/${uid}/abort">${csrfField(ctx)}<button type="submit" class="secondary">${t('deny')}</button></form></div>`,
  );
}

/** The provider's sign-out confirmation: its own form (with its CSRF field) and our two buttons. */
export function logoutPage(ctx: PageContext, form: string): string {
  const { t } = ctx;
  return layout(
    ctx,
    t('logoutTitle'),
    `<h1>${t('logoutTitle')}</h1><p>${t('logoutAsk')}</p>${form}
<div class="actions"><button type="submit" form="op.logoutForm" name="logout" value="yes">${t('logoutYes')}</button>
<button type="submit" form="op.logoutForm" class="secondary">${t('logoutNo')}</button></div>`,
  );
}

export function loggedOutPage(ctx: PageContext): string {
  return layout(ctx, ctx.t('logoutTitle'), `<h1>${ctx.t('loggedOut')}</h1>`);
}

export function errorPage(ctx: PageContext, message: string): string {
  return layout(ctx, ctx.t('error'), `<h1>${ctx.t('error')}</h1>${alert(message)}`);
}

const form = (ctx: PageContext, action: string, fields: string, button: string) =>
  `<form method="post" action="${action}">${csrfField(ctx)}${fields}<button type="submit">${button}</button></form>`;

export function enrolStartPage(ctx: PageContext, error?: string): string {
  const { t } = ctx;
  return layout(
    ctx,
    t('enrolTitle'),
    `<h1>${t('enrolTitle')}</h1><p>${t('enrolIntro')}</p>${alert(error)}${form(
      ctx,
      '/enrol',
      `<label for="nin">${t('nin')}</label><input id="nin" name="nin" inputmode="numeric" autocomplete="username" required maxlength="32">
<label for="code">${t('activationCode')}</label><input id="code" name="code" autocomplete="one-time-code" autocapitalize="characters" required maxlength="16">`,
      t('continue'),
    )}`,
  );
}

export function enrolPasswordPage(ctx: PageContext, nin: string, error?: string): string {
  const { t } = ctx;
  return layout(
    ctx,
    t('choosePassword'),
    `<h1>${t('choosePassword')}</h1>${alert(error)}${form(
      ctx,
      '/enrol/password',
      `<input type="hidden" name="username" autocomplete="username" value="${escapeHtml(nin)}">
<label for="password">${t('password')}</label><input id="password" name="password" type="password" autocomplete="new-password" aria-describedby="rules" required minlength="12" maxlength="128"><small id="rules">${t('passwordRules')}</small>
<label for="again">${t('passwordAgain')}</label><input id="again" name="again" type="password" autocomplete="new-password" required maxlength="128">`,
      t('continue'),
    )}`,
  );
}

export function enrolFactorPage(
  ctx: PageContext,
  totp: { qrSvg: string; secret: string },
  error?: string,
): string {
  const { t } = ctx;
  const grouped = totp.secret.replace(/(.{4})/g, '$1 ').trim();
  return layout(
    ctx,
    t('factorSetup'),
    `<h1>${t('factorSetup')}</h1><p>${t('factorSetupIntro')}</p>${alert(error)}
<section aria-labelledby="totp-h"><h2 id="totp-h">${t('totpSetup')}</h2><p>${t('scanQr')}</p>
<div class="qr" role="img" aria-label="QR otpauth">${totp.qrSvg}</div><p>${t('orKey')} <code>${escapeHtml(grouped)}</code></p>
${form(ctx, '/enrol/totp', `<label for="code">${t('totpLabel')}</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="7" required>`, t('verify'))}</section>
<section aria-labelledby="passkey-h"><h2 id="passkey-h">${t('passkeySetup')}</h2>
<label for="passkey-name">${t('passkeyName')}</label><input id="passkey-name" value="Mon téléphone" maxlength="60">
<button type="button" data-passkey="register" data-base="/enrol" data-csrf="${escapeHtml(ctx.csrf)}" data-failed="${t('passkeyFailed')}">${t('addPasskey')}</button>
<noscript><p>${t('noscript')}</p></noscript></section>`,
    { scripts: true },
  );
}

export function enrolDonePage(ctx: PageContext, codes: string[]): string {
  const { t } = ctx;
  return layout(
    ctx,
    t('recoveryTitle'),
    `<h1>${t('recoveryTitle')}</h1><p>${t('recoveryKeep')}</p><ul class="codes">${codes.map((c) => `<li><code>${escapeHtml(c)}</code></li>`).join('')}</ul>
<p role="status">${t('enrolDone')}</p>`,
  );
}
