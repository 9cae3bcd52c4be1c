import type {
  Application,
  Attachment as AttachmentView,
  ProcedureSummary,
  TimelineEvent,
} from '../../../src/shared/procedures/application.ts';
import type {
  ApplicationStatus,
  Decision,
  ProcedureDefinition,
} from '../../../src/shared/procedures/definition.ts';

export type {
  Application,
  ApplicationStatus,
  AttachmentView,
  Decision,
  ProcedureDefinition,
  ProcedureSummary,
  TimelineEvent,
};

/** What /v1/office/me answers. */
export interface Me {
  /** The agent's account id, as in an application's `assignedTo`. */
  id: string;
  organisation: string;
  roles: string[];
  acr: string;
}
