import type { EligibilityRule, ProcedureDefinition } from '../../../shared/procedures/definition.ts';
import { type AdministrationBridge, connectAdministration } from '../bridge/index.ts';
import type { EservicesDeps } from './deps.ts';

/** The administration that runs a procedure, on the bridge as its `eservices` subsystem. */
async function administrationBridge(
  deps: EservicesDeps,
  procedure: ProcedureDefinition,
  registries: string[],
  purpose: string,
  subject: { nin: string; reference: string },
): Promise<AdministrationBridge> {
  return connectAdministration(
    {
      database: deps.database,
      audit: deps.audit,
      instance: deps.country.code,
      bridgeUrl: deps.bridgeUrl,
      key: await deps.bridgeKey(),
    },
    {
      organisation: procedure.owner,
      subsystem: 'eservices',
      registries,
      legalBasis: `${purpose} (${procedure.legalReference ?? procedure.id})`,
      subject: { nin: subject.nin, issue: subject.reference },
    },
  );
}

export interface Prefilled {
  values: Record<string, unknown>;
  /** For each pre-filled field: the registry, the bridge service and when it was read. */
  sources: Record<string, { registry: string; service: string; at: string }>;
}

function readPointer(value: unknown, pointer: string): unknown {
  let current = value;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (current === null || typeof current !== 'object') return undefined;
    current = Array.isArray(current) ? current[Number(key)] : (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * Once-only: what the registries know about the applicant is read through the bridge by the
 * administration that runs the procedure, and arrives in the draft with its source.
 */
export async function prefillApplication(
  deps: EservicesDeps,
  procedure: ProcedureDefinition,
  nin: string,
  reference: string,
): Promise<Prefilled> {
  const result: Prefilled = { values: {}, sources: {} };
  if (!procedure.prefill.length) return result;
  const registries = [...new Set(procedure.prefill.map((p) => p.registry))];
  const bridge = await administrationBridge(
    deps,
    procedure,
    registries,
    "Once-only principle: pre-filling the citizen's own application",
    {
      nin,
      reference,
    },
  );
  const calls = new Map<string, Promise<unknown>>();
  const read = (registry: string, path: string) => {
    const id = `${registry} ${path}`;
    let call = calls.get(id);
    if (!call) {
      call = bridge
        .call(registry, { path: path.replace('{nin}', encodeURIComponent(nin)) })
        .then((answer) => {
          if (answer.status === 200) return answer.json();
          if (answer.status === 404) return undefined;
          throw new Error(`bridge answered ${answer.status} for ${registry}`);
        });
      calls.set(id, call);
    }
    return call;
  };
  const at = deps.clock().toISOString();
  for (const p of procedure.prefill) {
    const answer = await read(p.registry, p.path);
    const value = readPointer(answer, p.pointer);
    if (value === undefined || value === null || value === '') continue;
    result.values[p.field] = Array.isArray(value) ? value.join(', ') : value;
    result.sources[p.field] = { registry: p.registry, service: bridge.services[p.registry]!, at };
  }
  return result;
}

/**
 * The registry change an approval makes (a renewed licence), through the bridge like a read. The
 * registry's answer gives the values the statement prints (`results`). Throws when the registry
 * refuses: the application then stays approved and is completed on a later try.
 */
export async function applyRegistryUpdate(
  deps: EservicesDeps,
  procedure: ProcedureDefinition,
  application: { nin: string; reference: string; data: Record<string, unknown> },
): Promise<{ results: Record<string, unknown>; record?: Record<string, unknown> }> {
  const update = procedure.output.registryUpdate;
  if (!update) return { results: {} };
  const fill = (template: string) =>
    template.replace(/\{([a-zA-Z][a-zA-Z0-9]*)\}/g, (_, name: string) =>
      encodeURIComponent(String(name === 'nin' ? application.nin : (application.data[name] ?? ''))),
    );
  const bridge = await administrationBridge(
    deps,
    procedure,
    [update.registry],
    "Recording the decision on the citizen's application in the registry",
    application,
  );
  const answer = await bridge.call(update.registry, {
    method: update.method,
    path: fill(update.path),
    body: update.body,
  });
  if (answer.status !== 200) throw new Error(`the ${update.registry} registry answered ${answer.status}`);
  const record = answer.json() as Record<string, unknown>;
  return {
    results: Object.fromEntries(
      Object.entries(update.results ?? {}).map(([name, pointer]) => [name, readPointer(record, pointer)]),
    ),
    record,
  };
}

/** The first eligibility rule the answers fail, or undefined. */
export function failedEligibility(
  rules: EligibilityRule[],
  values: Record<string, unknown>,
  now: Date,
): EligibilityRule | undefined {
  for (const rule of rules) {
    const value = values[rule.field];
    if (rule.rule === 'present') {
      if (value === undefined || value === null || value === '') return rule;
      continue;
    }
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value)) return rule;
    const born = new Date(`${value.slice(0, 10)}T00:00:00Z`);
    let age = now.getUTCFullYear() - born.getUTCFullYear();
    const birthday = new Date(Date.UTC(now.getUTCFullYear(), born.getUTCMonth(), born.getUTCDate()));
    if (now < birthday) age--;
    if (rule.rule === 'min-age' && age < rule.years) return rule;
    if (rule.rule === 'max-age' && age > rule.years) return rule;
  }
  return undefined;
}
