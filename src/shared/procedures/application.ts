import { type Static, Type } from 'typebox';
import { ApplicationStatusSchema } from './definition.ts';

/**
 * What the e-services API answers about applications, declared once: the server's routes validate
 * and document with these schemas, and the web apps take their types from them.
 */
export const Attachment = Type.Object({
  id: Type.String(),
  slot: Type.String(),
  filename: Type.String(),
  mediaType: Type.String(),
  sizeBytes: Type.Integer(),
  sha256: Type.String(),
  createdAt: Type.String(),
});
export const TimelineEvent = Type.Object({
  at: Type.String(),
  kind: Type.String(),
  actor: Type.String(),
  actorId: Type.Optional(Type.String()),
  from: Type.Union([ApplicationStatusSchema, Type.Null()]),
  to: Type.Union([ApplicationStatusSchema, Type.Null()]),
  step: Type.Union([Type.Integer(), Type.Null()]),
  decision: Type.Union([Type.String(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
  internal: Type.Boolean(),
});
export const Application = Type.Object({
  id: Type.String(),
  reference: Type.String(),
  procedure: Type.Object({ id: Type.String(), version: Type.Integer(), owner: Type.String() }),
  status: ApplicationStatusSchema,
  step: Type.Integer(),
  data: Type.Record(Type.String(), Type.Unknown()),
  prefilled: Type.Record(
    Type.String(),
    Type.Object({ registry: Type.String(), service: Type.String(), at: Type.String() }),
  ),
  language: Type.String(),
  fee: Type.Object({ amount: Type.Integer(), currency: Type.String() }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  submittedAt: Type.Union([Type.String(), Type.Null()]),
  decidedAt: Type.Union([Type.String(), Type.Null()]),
  dueAt: Type.Union([Type.String(), Type.Null()]),
  output: Type.Union([
    Type.Object({
      kind: Type.String(),
      title: Type.String(),
      issuedAt: Type.String(),
      validUntil: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
  attachments: Type.Optional(Type.Array(Attachment)),
  timeline: Type.Optional(Type.Array(TimelineEvent)),
  nin: Type.Optional(Type.String()),
  assignedTo: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  /** Whole days left before the current step's target (negative: late). */
  slaDaysLeft: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
});
export type Attachment = Static<typeof Attachment>;
export type TimelineEvent = Static<typeof TimelineEvent>;
export type Application = Static<typeof Application>;

/** A procedure as the catalogue lists it (`GET /v1/procedures`). */
export const ProcedureSummary = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  owner: Type.String(),
  category: Type.String(),
  title: Type.Record(Type.String(), Type.String()),
  summary: Type.Record(Type.String(), Type.String()),
  fee: Type.Object({ amount: Type.Integer(), currency: Type.String() }),
  targetDays: Type.Integer(),
  online: Type.Boolean(),
});
export type ProcedureSummary = Static<typeof ProcedureSummary>;
