/**
 * X-Road style identifiers. A client (subsystem) is INSTANCE/CLASS/MEMBER/SUBSYSTEM, a service
 * adds SERVICE and an optional VERSION: SN/GOV/DGID/impots/attestation-fiscale/v1.
 */
export interface SubsystemId {
  instance: string;
  memberClass: string;
  memberCode: string;
  subsystemCode: string;
}
export interface ServiceId extends SubsystemId {
  serviceCode: string;
  version: string;
}

// Letters, digits and - _ . only (a dot alone or two dots are refused separately): nothing that a
// URL, a path or a log line could read differently.
const segment = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const memberClasses = ['GOV', 'COM', 'ORG'] as const;
export type MemberClass = (typeof memberClasses)[number];

export const isSegment = (s: string): boolean => segment.test(s) && !s.includes('..');

export function parseSubsystemId(text: string): SubsystemId | undefined {
  const parts = text.split('/');
  if (parts.length !== 4 || !parts.every(isSegment)) return undefined;
  const [instance, memberClass, memberCode, subsystemCode] = parts as [string, string, string, string];
  if (!(memberClasses as readonly string[]).includes(memberClass)) return undefined;
  return { instance, memberClass, memberCode, subsystemCode };
}

export const formatSubsystemId = (s: SubsystemId): string =>
  `${s.instance}/${s.memberClass}/${s.memberCode}/${s.subsystemCode}`;

export const formatMemberId = (s: Omit<SubsystemId, 'subsystemCode'>): string =>
  `${s.instance}/${s.memberClass}/${s.memberCode}`;

export const formatServiceId = (s: ServiceId): string =>
  `${formatSubsystemId(s)}/${s.serviceCode}${s.version ? `/${s.version}` : ''}`;

/** The member class an organisation of the registry joins under. */
export function memberClassFor(kind: string): MemberClass {
  if (kind === 'administration' || kind === 'operator') return 'GOV';
  if (kind === 'bank' || kind === 'company' || kind === 'startup') return 'COM';
  return 'ORG';
}
