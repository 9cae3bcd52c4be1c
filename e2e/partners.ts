import {
  applyAsPartner,
  collectPartnerCredentials,
  decidePartnerApplication,
  type PartnerApplication,
  type PartnerCredentials,
} from '../src/client/index.ts';

/**
 * Admits a partner the way it happens for real, through the public API: the company applies, an
 * operator approves, the company collects its credentials. Any refusal throws its problem.
 */
export async function onboardPartner(
  jokkoUrl: string,
  operatorApiKey: string,
  application: PartnerApplication,
): Promise<PartnerCredentials> {
  const applied = await applyAsPartner(jokkoUrl, application);
  await decidePartnerApplication(jokkoUrl, operatorApiKey, applied.application.id, { decision: 'approve' });
  return collectPartnerCredentials(jokkoUrl, applied.application.id, applied.token);
}
