import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';

/**
 * Hostile HTTP requests derived from the OpenAPI document the server serves: each operation's
 * parameter and body schemas give well-formed values, into which hostile strings are mixed and on
 * which mutations (wrong types, missing fields, prototype keys, malformed JSON, wrong media types,
 * huge payloads) are applied. Each request says whether the server must refuse it (4xx), decided by
 * validating it with the same Ajv options as Fastify, or only survive it (a safe method whose
 * values all pass the schema may legitimately answer 200).
 */

type Schema = { [keyword: string]: unknown };

export interface Operation {
  method: string;
  /** OpenAPI path template, e.g. /v1/registries/people/{nin}. */
  path: string;
  operationId: string;
  params: Parameter[];
  body: Schema | undefined;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Schema;
}

export type Credential = 'anonymous' | 'citizen' | 'operator' | 'forged';

export interface HostileRequest {
  credential: Credential;
  method: string;
  /** Path and query string, already encoded (some encodings are deliberately invalid). */
  url: string;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
  /** Why the server must refuse it; empty when the request is well-formed and only has to be survived. */
  refusals: string[];
  /** The mutations applied, for the failure report. */
  mutations: string[];
}

const safeMethods = new Set(['GET', 'HEAD']);
const megabyte = 1024 * 1024;

export function operationsOf(document: { paths: Record<string, Record<string, unknown>> }): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      const op = raw as {
        operationId?: string;
        parameters?: Array<{ name: string; in: string; required?: boolean; schema?: Schema }>;
        requestBody?: { content?: Record<string, { schema?: Schema }> };
      };
      operations.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId ?? `${method} ${path}`,
        params: (op.parameters ?? [])
          .filter((p) => p.in === 'path' || p.in === 'query' || p.in === 'header')
          .map((p) => ({
            name: p.name,
            in: p.in as Parameter['in'],
            required: p.in === 'path' || Boolean(p.required),
            schema: p.schema ?? {},
          })),
        body: op.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return operations;
}

const sqlInjections = [
  "' OR '1'='1",
  "'; DROP TABLE people; --",
  '1; SELECT pg_sleep(5)--',
  "' UNION SELECT null, version() --",
  '" OR ""="',
  "%' AND 1=1 --",
  "\\'; COMMIT; --",
  '$1',
  "1' AND extractvalue(1, concat(0x7e, version())) --",
];
const headerInjections = [
  '\r\nSet-Cookie: jokko=injected',
  'value\r\nX-Injected: 1',
  '\r\n\r\n<html>smuggled</html>',
  '%0d%0aX-Injected:%201',
  '\nLocation: https://evil.example',
];
const unicodeTricks = [
  '\u0000',
  'a\u0000b',
  '\u202Egpj.exe',
  '\uD800',
  '\uDFFF lone',
  '\uFEFFbom',
  '\u0430dmin', // Cyrillic a
  'ｓｃｒｉｐｔ',
  `e${'\u0301'.repeat(64)}`,
  'zero\u200Bwidth',
  '𝕁𝕠𝕜𝕜𝕠 🇸🇳',
  'İıſK',
];
const prototypeKeys = [
  '__proto__',
  'constructor',
  'prototype',
  'constructor.prototype',
  '__proto__.polluted',
];
const badPercentEncodings = ['%', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%FF%FE'];
const otherTricks = [
  '../../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as is
  '${7*7}{{7*7}}',
  '<script>alert(1)</script>',
  '%s%s%s%n',
  'NaN',
  '-0',
  '1e309',
  '9007199254740993',
  '',
  ' ',
];

/** Strings attackers send: SQL and header injection, unicode tricks, prototype keys, and more. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      ...sqlInjections,
      ...headerInjections,
      ...unicodeTricks,
      ...badPercentEncodings,
    ),
  },
  { weight: 3, arbitrary: fc.constantFrom(...prototypeKeys, ...otherTricks) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...sqlInjections, ...unicodeTricks), fc.integer({ min: 50, max: 400 }))
      .map(([s, n]) => s.repeat(n)),
  },
);

/** More than the default 1 MB body limit, and far more than any header or URL limit. */
const hugeString = () => 'A'.repeat(megabyte + 1);

const deepNesting = (depth: number) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown;

/** Values that no coercion (coerceTypes: 'array') turns into a scalar, a different object or array. */
const wrongTypeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant({ $ne: null }),
  fc.constant(['a', 'b']),
  fc.integer({ min: 100, max: 1000 }).map(deepNesting),
  hostileString,
  fc.constant(JSON.parse('{"__proto__": {"polluted": "yes"}}') as unknown),
);

function merged(all: Schema[]): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const s of all) {
    Object.assign(properties, s.properties ?? {});
    required.push(...((s.required as string[] | undefined) ?? []));
  }
  return { type: 'object', properties, required };
}

/** Values the schema accepts; with `hostile`, strings without enum or format may be hostile. */
export function valuesOf(schema: Schema, hostile: boolean, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => valuesOf(s, hostile, depth + 1)));
  if (Array.isArray(schema.allOf)) return valuesOf(merged(schema.allOf as Schema[]), hostile, depth + 1);
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  if (Array.isArray(type))
    return fc.oneof(...type.map((t) => valuesOf({ ...schema, type: t }, hostile, depth)));
  switch (type) {
    case 'string':
      return stringsOf(schema, hostile);
    case 'integer':
    case 'number': {
      const min = (schema.minimum as number | undefined) ?? ((schema.exclusiveMinimum as number) ?? -1e6) + 1;
      const max = (schema.maximum as number | undefined) ?? ((schema.exclusiveMaximum as number) ?? 1e6) - 1;
      return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = (schema.minItems as number | undefined) ?? 0;
      const maxLength = Math.min((schema.maxItems as number | undefined) ?? minLength + 3, minLength + 3);
      return fc.array(valuesOf((schema.items as Schema) ?? {}, hostile, depth + 1), { minLength, maxLength });
    }
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = (schema.required as string[] | undefined) ?? [];
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, sub] of Object.entries(properties)) shape[key] = valuesOf(sub, hostile, depth + 1);
      return fc.record(shape, { requiredKeys: required.filter((k) => k in shape) });
    }
    default:
      return fc.oneof(fc.string({ maxLength: 8 }), fc.integer());
  }
}

function stringsOf(schema: Schema, hostile: boolean): fc.Arbitrary<string> {
  const minLength = (schema.minLength as number | undefined) ?? 0;
  const maxLength = (schema.maxLength as number | undefined) ?? Number.POSITIVE_INFINITY;
  const fits = (s: string) => s.length >= minLength && s.length <= maxLength;
  let valid: fc.Arbitrary<string>;
  switch (schema.format) {
    case 'uuid':
      valid = fc.uuid();
      break;
    case 'date-time':
      valid = fc
        .date({ min: new Date('2000-01-01'), max: new Date('2040-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString());
      break;
    case 'date':
      valid = fc
        .date({ min: new Date('1900-01-01'), max: new Date('2040-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
      break;
    case 'email':
      valid = fc.emailAddress();
      break;
    case 'uri':
      valid = fc.webUrl();
      break;
    default:
      valid =
        typeof schema.pattern === 'string'
          ? fc.stringMatching(new RegExp(schema.pattern as string))
          : fc.string({ minLength, maxLength: Math.min(maxLength, minLength + 24) });
  }
  valid = valid.filter(fits);
  return hostile ? fc.oneof({ weight: 2, arbitrary: valid }, { weight: 1, arbitrary: hostileString }) : valid;
}

/** Validators with Fastify's Ajv options, so "the schema refuses it" means what it means on the server. */
function createValidators() {
  const ajv = new Ajv({ allErrors: true, coerceTypes: 'array', useDefaults: true, strict: false });
  addFormats.default(ajv);
  const cache = new Map<Schema, ValidateFunction>();
  return (schema: Schema, value: unknown): boolean => {
    let validate = cache.get(schema);
    if (!validate) {
      validate = ajv.compile(schema);
      cache.set(schema, validate);
    }
    // Validation coerces in place: check a copy.
    return validate(structuredClone(value)) as boolean;
  };
}

const objectOf = (params: Parameter[]): Schema => ({
  type: 'object',
  properties: Object.fromEntries(params.map((p) => [p.name, p.schema])),
  required: params.filter((p) => p.required).map((p) => p.name),
});

/** Percent-encodes every byte outside the unreserved set; lone surrogates become U+FFFD as on the wire. */
const encode = (value: string) =>
  [...Buffer.from(value, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

/** Header values undici refuses to send (CR, LF, NUL, non-Latin-1) go percent-encoded instead. */
const headerSafe = (value: string) => (/^[\t\x20-\x7e\x80-\xff]*$/.test(value) ? value : encode(value));

const bodyMutations = [
  'wrong-type',
  'missing-field',
  'extra-property',
  'prototype-key',
  'constructor-prototype-key',
  'malformed-json',
  'wrong-content-type',
  'huge-body',
  'deep-nesting',
  'binary-body',
] as const;
const urlMutations = [
  'invalid-param',
  'missing-query',
  'raw-percent-path',
  'huge-query',
  'prototype-query',
  'missing-header',
  'huge-header',
] as const;
type Mutation = (typeof bodyMutations)[number] | (typeof urlMutations)[number];

interface MutationPlan {
  kind: Mutation;
  pick: number;
  value: unknown;
}

/** Sets an own property even when the key is `__proto__`, which plain assignment would turn into a prototype. */
function setOwn(target: unknown, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Every JSON Pointer inside a value (the root is ''), with the parent and key to reach it. */
function pointersOf(
  value: unknown,
  pointer = '',
  out: Array<{ pointer: string; parent: unknown; key: string | number | undefined }> = [],
  parent?: unknown,
  key?: string | number,
) {
  out.push({ pointer, parent, key });
  if (out.length > 200) return out;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) pointersOf(v, `${pointer}/${i}`, out, value, i);
  } else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) pointersOf(v, `${pointer}/${k}`, out, value, k);
  return out;
}

/** Hostile requests for one operation, each knowing whether it must be refused. */
export function hostileRequests(op: Operation): fc.Arbitrary<HostileRequest> {
  const validates = createValidators();
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const headerParams = op.params.filter((p) => p.in === 'header');
  const hasBody = !safeMethods.has(op.method);
  const unsafe = !safeMethods.has(op.method);
  // Weights keep the size-limit mutations, which stop a request at the door, from crowding out the rest.
  const kinds: Array<[Mutation, number]> = [
    ...(hasBody ? bodyMutations.map((k): [Mutation, number] => [k, bodyWeight(k)]) : []),
    ...(op.params.length ? ([['invalid-param', 8]] as Array<[Mutation, number]>) : []),
    ...(queryParams.some((p) => p.required) ? ([['missing-query', 4]] as Array<[Mutation, number]>) : []),
    ...(pathParams.length ? ([['raw-percent-path', 4]] as Array<[Mutation, number]>) : []),
    ...(headerParams.some((p) => p.required) ? ([['missing-header', 4]] as Array<[Mutation, number]>) : []),
    ['huge-query', 1],
    ['prototype-query', 4],
    ['huge-header', 1],
  ];
  function bodyWeight(kind: Mutation): number {
    if (kind === 'huge-body') return 1;
    // Operations without a JSON body take files: most of their requests should carry one.
    if (kind === 'binary-body') return op.body ? 0 : 24;
    return 6;
  }
  const mutation: fc.Arbitrary<MutationPlan> = fc.record({
    kind: fc.oneof(
      ...kinds
        .filter(([, weight]) => weight > 0)
        .map(([kind, weight]) => ({ arbitrary: fc.constant(kind), weight })),
    ),
    pick: fc.nat(),
    value: wrongTypeValue,
  });
  const paramValues = fc.record(
    Object.fromEntries(op.params.map((p) => [`${p.in}:${p.name}`, valuesOf(p.schema, true)])),
    { requiredKeys: op.params.filter((p) => p.required).map((p) => `${p.in}:${p.name}`) },
  );
  return fc
    .record({
      credential: fc.constantFrom<Credential>('anonymous', 'citizen', 'operator', 'forged'),
      forgedToken: hostileString,
      params: paramValues,
      body: op.body ? valuesOf(op.body, true) : fc.constant(undefined),
      mutations: fc.array(mutation, { minLength: unsafe ? 1 : 0, maxLength: 2 }),
    })
    .map((draft) => {
      const refusals: string[] = [];
      const params = { ...draft.params } as Record<string, unknown>;
      // Generated values can be shared constants (fc.constant): mutate a copy, never them.
      let body: unknown = draft.body === undefined && hasBody ? {} : structuredClone(draft.body);
      let rawBody: string | Buffer | undefined;
      // Only the last mutation that rewrites the raw body decides what it still does wrong.
      let rawRefusal: string | undefined;
      let contentType = 'application/json';
      let rawPath: Record<string, string> = {};
      const rawQuery: string[] = [];
      const extraHeaders: Record<string, string> = {};
      for (const m of draft.mutations) {
        switch (m.kind) {
          case 'wrong-type': {
            const targets = pointersOf(body);
            const t = targets[m.pick % targets.length]!;
            if (t.parent === undefined) body = structuredClone(m.value);
            else setOwn(t.parent, t.key!, structuredClone(m.value));
            break;
          }
          case 'missing-field': {
            const targets = pointersOf(body).filter((t) => t.parent && !Array.isArray(t.parent));
            const t = targets[m.pick % Math.max(targets.length, 1)];
            if (t) delete (t.parent as Record<string, unknown>)[t.key as string];
            break;
          }
          case 'extra-property':
            if (body && typeof body === 'object' && !Array.isArray(body))
              setOwn(body, `extra${m.pick % 7}`, structuredClone(m.value));
            break;
          case 'prototype-key':
            rawBody = `{"__proto__":{"polluted":"yes"},"a":${JSON.stringify(body ?? null)}}`;
            rawRefusal = 'a __proto__ key in the JSON body';
            break;
          case 'constructor-prototype-key':
            rawBody = `{"constructor":{"prototype":{"polluted":"yes"}},"a":${JSON.stringify(body ?? null)}}`;
            rawRefusal = 'a constructor.prototype key in the JSON body';
            break;
          case 'malformed-json': {
            const text = JSON.stringify(body ?? {});
            rawBody = [
              text.slice(0, Math.max(1, m.pick % text.length)),
              `${text}}`,
              `{'single': 'quotes'}`,
              '{"a": NaN}',
              '{"a": 1,}',
              Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0x22]),
              '\uFEFF',
            ][m.pick % 7];
            rawRefusal = 'malformed JSON';
            break;
          }
          case 'wrong-content-type':
            contentType = [
              'application/xml',
              'multipart/form-data; boundary=x',
              'text/html',
              'application/x-www-form-urlencoded',
              'application/json; charset=ebcdic',
              'image/svg+xml',
              'application/pdf',
            ][m.pick % 7]!;
            rawBody = contentType.startsWith('application/x-www')
              ? 'a=1&__proto__[polluted]=yes'
              : '<a>&xxe;</a>';
            rawRefusal = `content type ${contentType}`;
            break;
          case 'binary-body':
            contentType = ['application/pdf', 'image/png', 'image/jpeg'][m.pick % 3]!;
            rawBody = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(stringOf(m.value))]);
            rawRefusal = undefined;
            break;
          case 'huge-body':
            rawBody = JSON.stringify({ value: hugeString() });
            rawRefusal = 'a body over the limit';
            break;
          case 'deep-nesting':
            // Too deep for JSON.stringify here; the schemas judge a shallow stand-in of the same shape.
            rawBody = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
            rawRefusal =
              op.body && !validates(op.body, { a: { a: 1 } })
                ? 'a deeply nested body the schema refuses'
                : undefined;
            break;
          case 'invalid-param': {
            const p = op.params[m.pick % op.params.length]!;
            params[`${p.in}:${p.name}`] = m.value;
            break;
          }
          case 'missing-query': {
            const required = queryParams.filter((p) => p.required);
            delete params[`query:${required[m.pick % required.length]!.name}`];
            break;
          }
          case 'missing-header': {
            const required = headerParams.filter((p) => p.required);
            delete params[`header:${required[m.pick % required.length]!.name}`];
            break;
          }
          case 'raw-percent-path': {
            // Not %2e%2e: the client's URL parser folds it into '..' before it leaves.
            const p = pathParams[m.pick % pathParams.length]!;
            rawPath = {
              ...rawPath,
              [p.name]: ['%C0%AF', '%ED%A0%80', '%FF', '%00', '..%2F..%2F', '%2E%2E%2F', '%'][m.pick % 7]!,
            };
            refusals.push(`a raw ${rawPath[p.name]} in the path`);
            break;
          }
          case 'huge-query':
            rawQuery.push(`q=${hugeString()}`);
            refusals.push('a URL over the header size limit');
            break;
          case 'prototype-query':
            rawQuery.push(
              ['__proto__[polluted]=yes', 'constructor[prototype][polluted]=yes', '__proto__.polluted=yes'][
                m.pick % 3
              ]!,
            );
            break;
          case 'huge-header':
            extraHeaders['x-hostile'] = hugeString();
            refusals.push('a header over the size limit');
            break;
        }
      }

      if (rawRefusal) refusals.push(rawRefusal);
      // What the server sees, as strings, decides whether the schemas refuse it.
      const seen = (where: Parameter['in']) =>
        Object.fromEntries(
          op.params
            .filter((p) => p.in === where && params[`${where}:${p.name}`] !== undefined)
            .map((p) => [p.name, stringOf(params[`${where}:${p.name}`])]),
        );
      if (pathParams.length && !validates(objectOf(pathParams), seen('path')))
        refusals.push('path parameters the schema refuses');
      if (queryParams.length && !validates(objectOf(queryParams), seen('query')))
        refusals.push('a query the schema refuses');
      if (headerParams.length && !validates(objectOf(headerParams), seen('header')))
        refusals.push('headers the schema refuses');
      if (
        rawBody === undefined &&
        op.body &&
        hasBody &&
        !validates(op.body, JSON.parse(JSON.stringify(body ?? null)))
      )
        refusals.push('a body the schema refuses');
      // Generated ids are random or hostile: none names an existing resource, so the answer is 404 at best.
      if (pathParams.length) refusals.push('a path naming no existing resource');

      let path = op.path;
      for (const p of pathParams) {
        // An empty segment would route elsewhere (/v1/procedures/ is /v1/procedures): a space stands in.
        const value = encode(stringOf(params[`path:${p.name}`])) || '%20';
        path = path.replace(`{${p.name}}`, rawPath[p.name] ?? value);
      }
      const query = [
        ...queryParams
          .filter((p) => params[`query:${p.name}`] !== undefined)
          .map((p) => `${encode(p.name)}=${encode(stringOf(params[`query:${p.name}`]))}`),
        ...rawQuery,
      ];
      const headers: Record<string, string> = { ...extraHeaders };
      for (const p of headerParams) {
        const v = params[`header:${p.name}`];
        if (v !== undefined) headers[p.name] = headerSafe(stringOf(v));
      }
      const token = {
        anonymous: undefined,
        citizen: '{citizen}',
        operator: '{operator}',
        forged: headerSafe(`jk_${draft.forgedToken}`),
      }[draft.credential];
      if (token) headers.authorization = `Bearer ${token}`;
      const finalBody = hasBody ? (rawBody ?? JSON.stringify(body ?? {})) : undefined;
      if (finalBody !== undefined) headers['content-type'] = contentType;
      return {
        credential: draft.credential,
        method: op.method,
        url: `${path}${query.length ? `?${query.join('&')}` : ''}`,
        headers,
        body: finalBody,
        refusals,
        mutations: draft.mutations.map((m) => m.kind),
      };
    })
    .filter((r) => !unsafe || r.refusals.length > 0);
}

function stringOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

/**
 * Requests only a raw socket can send: CR, LF and NUL inside header values, header smuggling,
 * malformed request lines. Each asks for a route that needs a credential, so a 4xx is due whatever
 * the parser makes of it.
 */
export const rawSocketRequests: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom('/v1/me', '/v1/registries/people', '/v1/bridge/members', '/v1/me/applications'),
    fc.constantFrom(
      'X-Test: a\rSet-Cookie: jokko=injected\r\n',
      'X-Test: a\nX-Injected: 1\r\n',
      'X-Test: a\u0000b\r\n',
      'X Test: space in the name\r\n',
      'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n',
      'Content-Length: 1\r\nContent-Length: 2\r\n',
      'Authorization: Bearer jk_\r\n\tfolded\r\n',
      ': no-name\r\n',
      'X-Test: \u202E\u00ff\u00c0\r\n',
    ),
    fc.constantFrom('GET', 'POST', 'G\u0000T', 'GET /v1/me HTTP/1.1\r\nX:', 'DELETE'),
  )
  .map(
    ([path, header, method]) =>
      `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${header}\r\n`,
  );
