/**
 * @module catalog/scoped-catalog
 * The catalog as one scope (account and region) sees it: the tables of that
 * scope by name, as DynamoDB's API names them. A request's operations only
 * ever hold this view (data/database's `inScope`), so they cannot reach
 * another region's tables by name.
 */
import type { KvWrite } from '../storage/engine.js';
import type { Catalog } from './catalog.js';
import type { TableRecord } from './table-record.js';
import type { TableScope } from './table-scope.js';

export class ScopedCatalog {
  constructor(
    private readonly catalog: Catalog,
    readonly scope: TableScope,
  ) {}

  /**
   * Makes the shared cache current (catalog/catalog refresh): undefined at
   * once when it is, else a promise that settles once it was reloaded.
   */
  refresh(): Promise<void> | undefined {
    return this.catalog.refresh();
  }

  /** The shared cache's fence (catalog/catalog fence): undefined while it reloads. */
  fence(): { readonly key: Uint8Array; readonly value: Uint8Array | null } | undefined {
    return this.catalog.fence();
  }

  get(name: string): TableRecord | undefined {
    return this.catalog.get(this.scope, name);
  }

  /** This scope's tables, sorted by name as ListTables returns them. */
  list(): TableRecord[] {
    return this.catalog.list(this.scope);
  }

  get size(): number {
    return this.catalog.count(this.scope);
  }

  /** Every table of every scope: for background work that serves them all (TTL). */
  all(): TableRecord[] {
    return this.catalog.all();
  }

  allocateTableId(): Promise<number> {
    return this.catalog.allocateTableId();
  }

  /** Adds a table of this scope; resolves false if one of that name exists here. */
  create(record: TableRecord, extra: readonly KvWrite[] = []): Promise<boolean> {
    this.assertOwn(record);
    return this.catalog.create(record, extra);
  }

  replace(previous: TableRecord, next: TableRecord, extra: readonly KvWrite[] = []): Promise<boolean> {
    this.assertOwn(previous);
    return this.catalog.replace(previous, next, extra);
  }

  drop(record: TableRecord, extra: readonly KvWrite[] = []): Promise<boolean> {
    this.assertOwn(record);
    return this.catalog.drop(record, extra);
  }

  /** A programming error, never a client's: records come from this view's own lookups. */
  private assertOwn(record: TableRecord): void {
    if (record.account !== this.scope.account || record.region !== this.scope.region) {
      throw new Error(`table ${record.name} of ${record.region} changed through the catalog of ${this.scope.region}`);
    }
  }
}
