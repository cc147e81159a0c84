/**
 * @module catalog/table-scope
 * Where a table lives: an account and a region (docs/architecture.md,
 * "Regions (and, later, accounts)"). Two scopes never see each other's tables or streams: a table's
 * catalog name is (account, region, table name). The region comes from the
 * request's SigV4 credential scope; the account is a fixed default until
 * identities carry their own (issue 13).
 */

export interface TableScope {
  readonly account: string;
  readonly region: string;
}

/** A map key for a scope: account and region cannot contain 0x00 (see isValidRegion). */
export function scopeKey(scope: TableScope): string {
  return `${scope.account}\u0000${scope.region}`;
}

export function sameScope(a: TableScope, b: TableScope): boolean {
  return a.account === b.account && a.region === b.region;
}

/**
 * A region name openddb accepts from a credential scope. Not only AWS's
 * regions: local setups use names like `local` or `fakeRegion`. It must be
 * something an ARN can carry (no `:` or `/`) and a key can end at (no 0x00).
 */
export function isValidRegion(region: string): boolean {
  // Checked on every request that names a region: the last valid one is remembered.
  if (region === lastValidRegion) return true;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(region)) return false;
  lastValidRegion = region;
  return true;
}

let lastValidRegion = '';
