import type {
  ApplicationStatus,
  Decision,
  ProcedureDefinition,
} from '../../../src/shared/procedures/definition.ts';

export type { ApplicationStatus, Decision, ProcedureDefinition };

/** What /v1/office/me answers. */
export interface Me {
  /** The agent's account id, as in an application's `assignedTo`. */
  id: string;
  organisation: string;
  roles: string[];
  acr: string;
}

export interface TimelineEvent {
  at: string;
  kind: string;
  actor: string;
  actorId?: string;
  from: string | null;
  to: string | null;
  step: number | null;
  decision: string | null;
  message: string | null;
  internal: boolean;
}

export interface AttachmentView {
  id: string;
  slot: string;
  filename: string;
  mediaType: string;
  sizeBytes: number;
  createdAt: string;
}

/** An application as the back-office sees it (`/v1/office/applications...`). */
export interface Application {
  id: string;
  reference: string;
  procedure: { id: string; version: number; owner: string };
  status: ApplicationStatus;
  step: number;
  data: Record<string, unknown>;
  prefilled: Record<string, { registry: string; service: string; at: string }>;
  language: string;
  fee: { amount: number; currency: string };
  createdAt: string;
  updatedAt: string;
  submittedAt: string | null;
  decidedAt: string | null;
  dueAt: string | null;
  output: { kind: string; title: string; issuedAt: string; validUntil: string | null } | null;
  attachments?: AttachmentView[];
  timeline?: TimelineEvent[];
  nin?: string;
  assignedTo?: string | null;
  slaDaysLeft?: number | null;
}

export interface ProcedureSummary {
  id: string;
  version: number;
  owner: string;
  title: Record<string, string>;
}
