import type { TFunction } from 'i18next';

/** A bridge service by its registry's name when it is a reference service, else its id. */
export function serviceLabel(t: TFunction, service: string): string {
  const code = /\/registries\/([a-z-]+)\/v\d+$/.exec(service)?.[1];
  return code ? t(`superapp.registries.${code}`, { defaultValue: service }) : service;
}

/** A partner subsystem (SN/COM/BTERANGA/loans) as its member code and application. */
export function partnerLabel(client: string): string {
  const [, , member, subsystem] = client.split('/');
  return member ? `${member}${subsystem ? ` · ${subsystem}` : ''}` : client;
}
