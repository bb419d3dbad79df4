// ajv's schema errors in the causes and words of kube-apiserver's structural-schema validation (kube-openapi's
// validators, turned into field errors by apiextensions-apiserver's kubeOpenAPIResultToFieldErrors): a type mismatch is
// FieldValueTypeInvalid naming the JSON type found, a number out of its format's range adds the `<nil>` "Checked value"
// error, bounds say "should be greater than or equal to", and one field may carry several causes (type, then bounds,
// then enum), in kube-openapi's validator order. Clients and tests that match kube's messages then match ours.

import type { ErrorObject } from 'ajv';
import { isPlainObject } from '../fields/patch.js';
import type { StatusCause } from '../types.js';

export function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function quote(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

function valueAtInstance(object: unknown, instancePath: string): unknown {
  let current = object;
  for (const seg of instancePath.split('/').slice(1)) {
    const k = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) current = current[Number(k)];
    else if (isPlainObject(current)) current = current[k];
    else return undefined;
  }
  return current;
}

/** The JSON type and Go format kube-openapi infers for a decoded value (typeValidator.schemaInfoForType). */
function typeOf(value: unknown): { type: string; format: string } {
  if (typeof value === 'string') return { type: 'string', format: '' };
  if (typeof value === 'boolean') return { type: 'boolean', format: '' };
  if (typeof value === 'number') return Number.isInteger(value) ? { type: 'integer', format: 'int64' } : { type: 'number', format: 'float64' };
  if (Array.isArray(value)) return { type: 'array', format: '' };
  return { type: 'object', format: '' };
}

const INT_RANGES: Record<string, [number, number]> = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [-(2 ** 63), 2 ** 63 - 1] };

/** IsValueValidAgainstRange("Checked"): an integer field's value must be an integer within its format's range. */
function rangeCause(value: unknown, schema: Record<string, unknown>, field: string): StatusCause | undefined {
  if (typeof value !== 'number' || schema.type !== 'integer') return undefined;
  const format = typeof schema.format === 'string' ? schema.format : '';
  const [min, max] = INT_RANGES[format] ?? INT_RANGES.int64!;
  if (Number.isInteger(value) && value >= min && value <= max) return undefined;
  const what = format === 'int32' || format === 'int64' ? `with format ${format}` : '(default format)';
  return { type: 'FieldValueInvalid', field: '<nil>', message: `Invalid value: "": Checked value must be of type integer ${what} in ${field}` };
}

function typeCause(value: unknown, schema: Record<string, unknown>, field: string): StatusCause {
  const expected = Array.isArray(schema.type) ? schema.type.join(',') : String(schema.type);
  const format = typeof schema.format === 'string' ? schema.format : '';
  const found = typeOf(value);
  const floatInt = found.type === 'number' && expected.split(',').includes('integer') && Number.isInteger(value);
  const intFloat = found.type === 'integer' && expected.split(',').includes('number');
  const byFormat = found.type !== 'string' && found.type !== 'array' && format !== ''
    && !(expected.split(',').includes(found.type) || found.format === format || floatInt || intFloat);
  const [typeName, got] = byFormat ? [format, found.format] : [expected, found.type];
  const message = `${field} in body must be of type ${typeName}: ${quote(got)}`;
  return { type: 'FieldValueTypeInvalid', field, message: `Invalid value: ${quote(got)}: ${message}` };
}

const BOUNDS: Record<string, string> = {
  minimum: 'should be greater than or equal to', maximum: 'should be less than or equal to',
  exclusiveMinimum: 'should be greater than', exclusiveMaximum: 'should be less than',
};

/** kube-openapi's validator order: type, format range, number bounds, other keywords, enum. */
const ORDER: Record<string, number> = { type: 0, range: 1, multipleOf: 2, maximum: 3, exclusiveMaximum: 3, minimum: 4, exclusiveMinimum: 4, enum: 9 };

/** Causes for ajv's errors (ajv compiled with `verbose`, so each error carries its schema). */
export function causesFromAjv(errors: ErrorObject[], object: unknown): StatusCause[] {
  const ranked: { path: string; rank: number; index: number; cause: StatusCause }[] = [];
  const add = (path: string, rank: number, cause: StatusCause) => ranked.push({ path, rank, index: ranked.length, cause });
  for (const e of errors) {
    const field = fieldPath(e.instancePath);
    const value = valueAtInstance(object, e.instancePath);
    const schema = isPlainObject(e.parentSchema) ? e.parentSchema : {};
    if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      const path = field ? `${field}.${missing}` : missing;
      add(path, 0, { type: 'FieldValueRequired', message: 'Required value', field: path });
    } else if (e.keyword === 'enum') {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(quote).join(', ');
      add(e.instancePath, ORDER.enum!, { type: 'FieldValueNotSupported', message: `Unsupported value: ${quote(value)}: supported values: ${allowed}`, field });
    } else if (e.keyword === 'type') {
      add(e.instancePath, ORDER.type!, typeCause(value, schema, field));
      const range = rangeCause(value, schema, field);
      if (range) add(e.instancePath, ORDER.range!, range);
    } else if (BOUNDS[e.keyword]) {
      const limit = (e.params as { limit: number }).limit;
      const range = rangeCause(value, schema, field);
      if (range) add(e.instancePath, ORDER.range!, range);
      add(e.instancePath, ORDER[e.keyword]!, { type: 'FieldValueInvalid', field, message: `Invalid value: ${quote(value)}: ${field} in body ${BOUNDS[e.keyword]!} ${limit}` });
    } else {
      add(e.instancePath, 5, { type: 'FieldValueInvalid', message: `Invalid value: ${quote(value)}: ${field || 'body'} in body ${e.message ?? 'is invalid'}`, field });
    }
  }
  // One cause per distinct text: ajv may report one fact twice (the range check comes with type and with bounds).
  const seen = new Set<string>();
  const first = new Map<string, number>();
  for (const r of ranked) if (!first.has(r.path)) first.set(r.path, r.index);
  return ranked
    .sort((a, b) => first.get(a.path)! - first.get(b.path)! || a.rank - b.rank || a.index - b.index)
    .filter(({ path, cause }) => {
      const key = `${path} ${cause.field ?? ''} ${cause.message ?? ''}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((r) => r.cause);
}
