// Server-side Table and PartialObjectMetadata transforms (k8s.io/apiserver handlers/response.go, registry/rest/table.go,
// and the CRD table convertor's Name/Age handling).

import type { MetaVersion } from './negotiation.js';
import type { TableColumn, TableConvertor } from '../storage.js';
import { statusErrors } from '../status.js';
import type { KubeObject, ListMeta } from '../types.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function parseIncludeObject(value: string | undefined): IncludeObject {
  if (value === undefined || value === '') return 'Metadata';
  if (value === 'None' || value === 'Metadata' || value === 'Object') return value;
  throw statusErrors.badRequest(`Unable to convert to Table as requested: includeObject: Invalid value: ${JSON.stringify(value)}: must be 'Metadata', 'Object', 'None', or empty`);
}

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: Record<string, unknown>;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: ListMeta;
  /** null after a watch's first Table event, as kube's watch sends it (Go's nil slice). */
  columnDefinitions: TableColumnDefinition[] | null;
  rows: TableRow[];
}

const NAME_COLUMN: TableColumn = { name: 'Name', type: 'string', format: 'name', priority: 0, description: 'Name must be unique within a namespace. More info: http://kubernetes.io/docs/user-guide/identifiers#names' };
const AGE_COLUMN: TableColumn = { name: 'Age', type: 'date', priority: 0, description: 'CreationTimestamp is a timestamp representing the server time when this object was created. Populated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata' };

/** Go's k8s.io/apimachinery/pkg/util/duration.HumanDuration, which kubectl shows in AGE columns. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function dateCell(value: unknown, now: number): unknown {
  if (typeof value !== 'string' || value === '') return value ?? '<unknown>';
  const t = Date.parse(value);
  return Number.isNaN(t) ? value : humanDuration(now - t);
}

/** The columns a resource shows: the storage's own (Name first, Age last, added when missing) or Name + Created At. */
export function tableColumns(convertor: TableConvertor | undefined): TableColumn[] {
  if (!convertor) return [NAME_COLUMN, { name: 'Created At', type: 'date', priority: 0, description: AGE_COLUMN.description }];
  const own = convertor.tableColumns;
  const hasName = own.some((c) => c.name.toLowerCase() === 'name');
  const hasAge = own.some((c) => c.name.toLowerCase() === 'age');
  return [...(hasName ? [] : [NAME_COLUMN]), ...own, ...(hasAge ? [] : [AGE_COLUMN])];
}

function rowCells(convertor: TableConvertor | undefined, object: KubeObject, now: number): unknown[] {
  if (!convertor) return [object.metadata.name ?? '', object.metadata.creationTimestamp ?? ''];
  const own = convertor.tableCells(object);
  const columns = convertor.tableColumns;
  const cells = columns.map((c, i) => (c.type === 'date' ? dateCell(own[i], now) : own[i] ?? null));
  const hasName = columns.some((c) => c.name.toLowerCase() === 'name');
  const hasAge = columns.some((c) => c.name.toLowerCase() === 'age');
  return [...(hasName ? [] : [object.metadata.name ?? '']), ...cells, ...(hasAge ? [] : [dateCell(object.metadata.creationTimestamp, now)])];
}

export function partialObjectMetadata(object: KubeObject, version: MetaVersion): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: object.metadata };
}

export function partialObjectMetadataList(items: KubeObject[], metadata: ListMeta, version: MetaVersion): Record<string, unknown> {
  return { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${version}`, metadata, items: items.map((i) => partialObjectMetadata(i, version)) };
}

export interface TableOptions {
  version: MetaVersion;
  includeObject: IncludeObject;
  /** false on every watch event after the first (upstream sends headers once). */
  withHeaders: boolean;
  now?: number;
}

export function toTable(convertor: TableConvertor | undefined, objects: KubeObject[], metadata: ListMeta, options: TableOptions): Table {
  const now = options.now ?? Date.now();
  const columns = tableColumns(convertor);
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${options.version}`,
    metadata,
    columnDefinitions: options.withHeaders
      ? columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority }))
      : null,
    rows: objects.map((object) => {
      const row: TableRow = { cells: rowCells(convertor, object, now) };
      if (options.includeObject === 'Object') row.object = object;
      else if (options.includeObject === 'Metadata') row.object = partialObjectMetadata(object, options.version);
      return row;
    }),
  };
}
