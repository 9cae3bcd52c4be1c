import { createTransport } from 'nodemailer';

/**
 * Where messages leave the platform. E-mail goes over SMTP with nodemailer; SMS and letters go
 * through small provider interfaces a deployment implements for its operator or printer. Every
 * send carries the outbox row's id: the e-mail's Message-ID and an SMS provider's client
 * reference, so a message sent twice (delivery is at least once) can be recognised downstream.
 */

export interface OutgoingEmail {
  /** The outbox row's id. */
  id: string;
  template: string;
  to: string;
  subject: string;
  text: string;
  language: string;
}

export interface EmailSender {
  send(email: OutgoingEmail): Promise<void>;
  close(): void;
}

/** What an SMS or letter is sent with besides its recipient and text. */
export interface SendContext {
  /** The outbox row's id: an idempotency key for providers that take one. */
  id: string;
  template: string;
}

export interface SmsProvider {
  send(to: string, text: string, context: SendContext): Promise<void>;
}

/** Posted letters (activation codes for people without a phone). */
export interface LetterProvider {
  send(to: string, text: string, context: SendContext): Promise<void>;
}

/** The few logger methods notify uses; pino's logger fits. */
export interface NotifyLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** An error a provider is sure retrying will not cure (e.g. the recipient does not exist). */
export class PermanentDeliveryError extends Error {
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = 'PermanentDeliveryError';
  }
}

// nodemailer waits minutes by default; a worker holds its rows for a few minutes only.
const smtpTimeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * E-mail over SMTP, one connection per message: point SMTP_URL at the nearest relay (a local MTA
 * or the provider's submission port). Options in the URL's query (e.g. `?connectionTimeout=5000`)
 * win over the defaults here.
 */
export function createSmtpEmailSender(options: { url: string; from: string }): EmailSender {
  const transport = createTransport({ url: options.url, ...smtpTimeouts }, { from: options.from });
  return {
    async send(email) {
      await transport.sendMail({
        to: email.to,
        subject: email.subject,
        text: email.text,
        messageId: messageIdOf(email.id, options.from),
        headers: { 'Content-Language': email.language, 'Auto-Submitted': 'auto-generated' },
      });
    },
    close() {
      transport.close();
    },
  };
}

/**
 * No SMTP server configured (embedded mode, development): nodemailer still builds each message
 * (so an encoding problem shows), the log says which template went to which masked address, and
 * the row is marked sent. Never the text: it may carry a code.
 */
export function createLoggingEmailSender(options: { from: string; logger: NotifyLogger }): EmailSender {
  const transport = createTransport({ jsonTransport: true }, { from: options.from });
  return {
    async send(email) {
      await transport.sendMail({
        to: email.to,
        subject: email.subject,
        text: email.text,
        messageId: messageIdOf(email.id, options.from),
      });
      options.logger.info(
        { channel: 'email', to: maskEmail(email.to), template: email.template, subject: email.subject },
        'e-mail not sent (no SMTP_URL): logged only',
      );
    },
    close() {
      transport.close();
    },
  };
}

/** Logs instead of sending: the masked number and the template only, never the text (codes). */
export class LoggingSmsProvider implements SmsProvider {
  readonly #logger: NotifyLogger;
  constructor(logger: NotifyLogger) {
    this.#logger = logger;
  }
  async send(to: string, _text: string, context: SendContext): Promise<void> {
    this.#logger.info(
      { channel: 'sms', to: maskPhone(to), template: context.template, id: context.id },
      'SMS not sent (no SMS provider): logged only',
    );
  }
}

/** Logs instead of printing: the town only, never the name, street or text. */
export class LoggingLetterProvider implements LetterProvider {
  readonly #logger: NotifyLogger;
  constructor(logger: NotifyLogger) {
    this.#logger = logger;
  }
  async send(to: string, _text: string, context: SendContext): Promise<void> {
    this.#logger.info(
      { channel: 'letter', to: maskPostal(to), template: context.template, id: context.id },
      'letter not printed (no letter provider): logged only',
    );
  }
}

function messageIdOf(id: string, from: string): string {
  const domain = /@([^\s>]+)>?\s*$/.exec(from)?.[1] ?? 'jokko.localhost';
  return `<${id}@${domain}>`;
}

/** a***@example.sn */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

/** +22177*****67: the country and operator, not the person. */
export function maskPhone(number: string): string {
  const digits = number.replace(/[^\d+]/g, '');
  if (digits.length < 8) return '***';
  return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 8)}${digits.slice(-2)}`;
}

/** The last part of a postal address (the town). */
export function maskPostal(address: string): string {
  const parts = address.split(',');
  return parts.length > 1 ? `***, ${parts.at(-1)!.trim()}` : '***';
}
