import { type ApplicationStatus, applicationStatuses } from '../../../shared/procedures/definition.ts';

/**
 * What a notice says, by template and language: a subject (e-mails, never a secret in it) and a
 * short plain text (SMS, e-mail body). French, Wolof and English; any other language falls back to
 * English. The Wolof texts are a first draft to be reviewed by native speakers, like the pages'.
 */

export const templateLanguages = ['fr', 'wo', 'en'] as const;
export type TemplateLanguage = (typeof templateLanguages)[number];

// The statuses are e-services' own (one list, in the shared procedure schema).
export { type ApplicationStatus, applicationStatuses };

export interface RenderedMessage {
  subject: string;
  text: string;
}

/** A template that cannot be rendered (unknown, or its payload lacks what it needs): retrying will not help. */
export class TemplateError extends Error {
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export interface RenderOptions {
  /** IANA time zone for dates in the text (the country profile's). */
  timeZone?: string;
}

type Payload = Record<string, unknown>;
type Renderer = (payload: Payload, language: TemplateLanguage, options: RenderOptions) => RenderedMessage;

/** Closes every e-mail (not SMS, which must stay short): why the citizen receives it. */
export const emailFooter: Record<TemplateLanguage, string> = {
  fr: 'Jokko — vous recevez ce message parce que vous l’avez choisi dans les réglages de l’application Jokko.',
  wo: 'Jokko — yónnee nañu la bataaxal bii ndaxte tànn nga ko ci tànneefu aplikasioŋ Jokko bi.',
  en: 'Jokko — you receive this message because you chose to in the settings of the Jokko app.',
};
const greeting: Record<TemplateLanguage, string> = { fr: 'Bonjour,', wo: 'Asalaa maalekum,', en: 'Hello,' };

const statusWords: Record<TemplateLanguage, Record<ApplicationStatus, string>> = {
  fr: {
    draft: 'brouillon',
    submitted: 'déposée',
    in_review: 'en cours d’examen',
    info_requested: 'informations demandées',
    approved: 'acceptée',
    rejected: 'refusée',
    completed: 'terminée',
    withdrawn: 'retirée',
  },
  wo: {
    draft: 'yónneeguloo ko',
    submitted: 'jot nañu ko',
    in_review: 'ñu ngi koy saytu',
    info_requested: 'ñu laaj la yeneen xibaar',
    approved: 'nangu nañu ko',
    rejected: 'bañ nañu ko',
    completed: 'mat na',
    withdrawn: 'dindi nga ko',
  },
  en: {
    draft: 'draft',
    submitted: 'submitted',
    in_review: 'in review',
    info_requested: 'information requested',
    approved: 'approved',
    rejected: 'rejected',
    completed: 'completed',
    withdrawn: 'withdrawn',
  },
};

const statusSentences: Record<
  TemplateLanguage,
  Record<ApplicationStatus, (application: string) => string>
> = {
  fr: {
    draft: (a) => `Votre demande ${a} est en brouillon : elle n’est pas encore déposée.`,
    submitted: (a) => `Votre demande ${a} a bien été déposée.`,
    in_review: (a) => `Votre demande ${a} est en cours d’examen.`,
    info_requested: (a) =>
      `L’administration a besoin d’informations complémentaires pour votre demande ${a}.`,
    approved: (a) => `Votre demande ${a} est acceptée.`,
    rejected: (a) => `Votre demande ${a} est refusée.`,
    completed: (a) => `Votre demande ${a} est terminée.`,
    withdrawn: (a) => `Votre demande ${a} est retirée.`,
  },
  wo: {
    draft: (a) => `Sa laaj ${a}, yónneeguloo ko ba léegi.`,
    submitted: (a) => `Sa laaj ${a}, jot nañu ko.`,
    in_review: (a) => `Sa laaj ${a}, ñu ngi koy saytu.`,
    info_requested: (a) => `Sa laaj ${a}: administrasioŋ bi dafa soxla yeneen xibaar.`,
    approved: (a) => `Sa laaj ${a}, nangu nañu ko.`,
    rejected: (a) => `Sa laaj ${a}, bañ nañu ko.`,
    completed: (a) => `Sa laaj ${a}, mat na.`,
    withdrawn: (a) => `Sa laaj ${a}, dindi nga ko.`,
  },
  en: {
    draft: (a) => `Your application ${a} is a draft: it has not been submitted yet.`,
    submitted: (a) => `Your application ${a} has been submitted.`,
    in_review: (a) => `Your application ${a} is being reviewed.`,
    info_requested: (a) => `The administration needs more information for your application ${a}.`,
    approved: (a) => `Your application ${a} has been approved.`,
    rejected: (a) => `Your application ${a} has been rejected.`,
    completed: (a) => `Your application ${a} is complete.`,
    withdrawn: (a) => `Your application ${a} has been withdrawn.`,
  },
};

const applicationStatus: Renderer = (payload, language) => {
  const reference = text(payload, 'reference');
  const status = payload.status as ApplicationStatus;
  if (!applicationStatuses.includes(status)) throw new TemplateError('unknown application status');
  const procedure = payload.procedure as { title?: Record<string, unknown> } | undefined;
  const title = localized(procedure?.title, language);
  const application = title ? `${reference} (${title})` : reference;
  const message = typeof payload.message === 'string' && payload.message.trim() ? payload.message.trim() : '';
  const says = {
    fr: 'Message de l’administration :',
    wo: 'Bataaxalu administrasioŋ bi:',
    en: 'Message from the administration:',
  };
  const follow = {
    fr: 'Suivez votre demande dans l’application Jokko.',
    wo: 'Toppal sa laaj ci aplikasioŋ Jokko bi.',
    en: 'Follow your application in the Jokko app.',
  };
  const word = statusWords[language][status];
  const subject = {
    fr: `Demande ${reference} : ${word}`,
    wo: `Laaj ${reference}: ${word}`,
    en: `Application ${reference}: ${word}`,
  };
  return {
    subject: subject[language],
    text: lines(
      greeting[language],
      '',
      statusSentences[language][status](application),
      ...(message ? ['', says[language], message] : []),
      '',
      follow[language],
    ),
  };
};

const activation =
  (purpose: 'enrol' | 'recover'): Renderer =>
  (payload, language, options) => {
    const code = text(payload, 'code');
    const until = dateTime(text(payload, 'expiresAt'), language, options);
    const what = {
      enrol: { fr: 'votre code d’activation', wo: 'sa kodu doxal', en: 'your activation code' },
      recover: {
        fr: 'votre code pour récupérer votre compte',
        wo: 'sa kodu doxal ngir ubbiwaat sa kont',
        en: 'your code to recover your account',
      },
    }[purpose][language];
    const sentence = {
      fr: `Jokko : ${what} est ${code}. Valable jusqu’au ${until}. Ne le donnez à personne.`,
      wo: `Jokko: ${what} mooy ${code}. Baax na ba ${until}. Bul ko wone kenn.`,
      en: `Jokko: ${what} is ${code}. Valid until ${until}. Do not share it with anyone.`,
    };
    // The subject names the message, never the code: subjects show on lock screens and in logs.
    const subject = {
      enrol: {
        fr: 'Votre code d’activation Jokko',
        wo: 'Sa kodu doxal Jokko',
        en: 'Your Jokko activation code',
      },
      recover: {
        fr: 'Récupérer votre compte Jokko',
        wo: 'Ubbiwaat sa kontu Jokko',
        en: 'Recover your Jokko account',
      },
    };
    return { subject: subject[purpose][language], text: sentence[language] };
  };

const consentRequest: Renderer = (payload, language) => {
  const partner = partnerName(text(payload, 'partner'));
  return {
    subject: {
      fr: 'Demande d’accès à vos données',
      wo: 'Laaj ngir jàng sa xibaar',
      en: 'Request to read your data',
    }[language],
    text: {
      fr: `${partner} demande à lire vos données. Répondez dans l’application Jokko, rubrique Accords.`,
      wo: `${partner} dafa bëgg a jàng sa xibaar. Tontu ko ci aplikasioŋ Jokko bi, ci Ndigal yi.`,
      en: `${partner} asks to read your data. Answer in the Jokko app, under Consents.`,
    }[language],
  };
};

const consentFirstUse: Renderer = (payload, language) => {
  const partner = partnerName(text(payload, 'partner'));
  return {
    subject: { fr: 'Vos données ont été lues', wo: 'Jàng nañu sa xibaar', en: 'Your data was read' }[
      language
    ],
    text: {
      fr: `${partner} a lu vos données pour la première fois, avec votre accord. Vous voyez chaque lecture dans l’application Jokko.`,
      wo: `${partner} jàng na sa xibaar sa bu njëkk, ak sa ndigal. Mën nga gis jàng bu nekk ci aplikasioŋ Jokko bi.`,
      en: `${partner} read your data for the first time, with your consent. You can see every reading in the Jokko app.`,
    }[language],
  };
};

const consentExpiring: Renderer = (payload, language, options) => {
  const partner = partnerName(text(payload, 'partner'));
  const until = date(text(payload, 'validUntil'), language, options);
  return {
    subject: { fr: 'Un accord prend bientôt fin', wo: 'Benn ndigal dina jeex', en: 'A consent ends soon' }[
      language
    ],
    text: {
      fr: `Votre accord avec ${partner} prend fin le ${until}. Vous pouvez le renouveler si ${partner} vous le redemande.`,
      wo: `Sa ndigal ak ${partner} dina jeex ${until}. Mën nga ko yeesal su ${partner} laajaatee.`,
      en: `Your consent to ${partner} ends on ${until}. You can renew it if ${partner} asks again.`,
    }[language],
  };
};

const renderers: Record<string, Renderer> = {
  'application-status': applicationStatus,
  'identity.activation.enrol': activation('enrol'),
  'identity.activation.recover': activation('recover'),
  'consent-request': consentRequest,
  'consent-first-use': consentFirstUse,
  'consent-expiring': consentExpiring,
};

/** Every template the renderer knows; a test checks each renders in every language. */
export const renderableTemplates = Object.keys(renderers);

/** The language a message is written in: the asked one when there are texts in it, else English. */
export const templateLanguage = (language: string | undefined): TemplateLanguage =>
  (templateLanguages as readonly string[]).includes(language ?? '') ? (language as TemplateLanguage) : 'en';

export function renderMessage(
  template: string,
  payload: object,
  language: string,
  options: RenderOptions = {},
): RenderedMessage {
  const render = Object.hasOwn(renderers, template) ? renderers[template] : undefined;
  if (!render) throw new TemplateError(`no template ${template}`);
  return render(payload as Payload, templateLanguage(language), options);
}

function text(payload: Payload, key: string): string {
  const value = payload[key];
  if (typeof value !== 'string' || !value) throw new TemplateError(`the payload has no ${key}`);
  return value;
}

function localized(value: Record<string, unknown> | undefined, language: TemplateLanguage): string {
  if (!value) return '';
  const pick = value[language] ?? value.fr ?? value.en ?? Object.values(value)[0];
  return typeof pick === 'string' ? pick : '';
}

/** A partner subsystem (SN/COM/BTERANGA/kyc) as its member code and application, as the app shows it. */
function partnerName(client: string): string {
  const [, , member, subsystem] = client.split('/');
  return member ? `${member}${subsystem ? ` · ${subsystem}` : ''}` : client;
}

// Wolof uses the French conventions for dates, as the app does.
const locales: Record<TemplateLanguage, string> = { fr: 'fr-SN', wo: 'fr-SN', en: 'en-GB' };

function date(iso: string, language: TemplateLanguage, options: RenderOptions): string {
  return new Intl.DateTimeFormat(locales[language], {
    dateStyle: 'long',
    timeZone: options.timeZone ?? 'UTC',
  }).format(parsed(iso));
}

function dateTime(iso: string, language: TemplateLanguage, options: RenderOptions): string {
  return new Intl.DateTimeFormat(locales[language], {
    dateStyle: 'short',
    timeStyle: 'short',
    timeZone: options.timeZone ?? 'UTC',
  }).format(parsed(iso));
}

function parsed(iso: string): Date {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new TemplateError('the payload has a malformed date');
  return d;
}

const lines = (...parts: string[]) => parts.join('\n');
