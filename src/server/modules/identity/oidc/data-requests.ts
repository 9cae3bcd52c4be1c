import type { RequestOrigin } from '../../../platform/actor.ts';

/** What the sign-in page shows of a partner's request for the citizen's data. */
export interface DataRequestSummary {
  status: 'pending' | 'approved' | 'denied' | 'expired';
  partnerName: string;
  items: Array<{ service: string; title: string; fields?: string[] }>;
  purpose: string;
  validDays: number;
  frequency: { type: 'once' } | { type: 'recurring'; perDay: number };
  dataLifeDays: number;
  /** Answered by another citizen than the one signing in: never shown, never usable. */
  otherCitizen: boolean;
}

/**
 * The redirect flow of consent: a relying party adds `consent_request=<id>` to its authorization
 * request, and after sign-in the citizen approves or denies that request on the consent page. The
 * consent module implements this port (app.ts wires it); identity knows no more of consent.
 */
export interface DataRequestPort {
  describe(
    requestId: string,
    clientId: string,
    nin: string | undefined,
  ): Promise<DataRequestSummary | undefined>;
  decide(
    requestId: string,
    clientId: string,
    citizen: { accountId: string; nin: string },
    decision: 'approve' | 'deny',
    origin: RequestOrigin,
  ): Promise<void>;
}

export const dataRequestParam = 'consent_request';
