/**
 * @module tools/prices
 * DynamoDB's list prices that `openddb cost` uses when no --prices FILE is
 * given (`openddb cost --print-prices > prices.json` writes them out to
 * edit). USD, Standard and Standard-IA table classes, per region. AWS
 * changes these: us-east-1 and us-west-2 are from the public price page
 * after the November 2024 on-demand reduction; the other regions are
 * approximate (their pre-reduction prices halved for on-demand). Free tiers
 * are not subtracted.
 */

export interface ClassPrices {
  /** USD per million write request units (on demand). */
  readonly writeRequestPerMillion: number;
  /** USD per million read request units (on demand). */
  readonly readRequestPerMillion: number;
  /** USD per WCU-hour (provisioned). */
  readonly wcuHour: number;
  /** USD per RCU-hour (provisioned). */
  readonly rcuHour: number;
  /** USD per GB-month of table and index storage. */
  readonly storageGbMonth: number;
}

export interface RegionPrices {
  readonly standard: ClassPrices;
  readonly standardInfrequentAccess: ClassPrices;
  /** USD per GB-month of continuous backups (PITR), of the table's size. */
  readonly pitrGbMonth: number;
  /** USD per GB-month of on-demand backups. */
  readonly backupGbMonth: number;
  /** USD per million DynamoDB Streams read request units (GetRecords calls). */
  readonly streamReadRequestPerMillion: number;
}

export interface PriceTable {
  readonly currency: 'USD';
  readonly asOf: string;
  readonly note: string;
  readonly regions: Readonly<Record<string, RegionPrices>>;
}

function region(
  write: number,
  read: number,
  wcu: number,
  rcu: number,
  storage: number,
  pitr: number,
  backup: number,
  streams: number,
): RegionPrices {
  // Standard-IA: requests and provisioned capacity cost 25 % more, storage 60 % less.
  return {
    standard: { writeRequestPerMillion: write, readRequestPerMillion: read, wcuHour: wcu, rcuHour: rcu, storageGbMonth: storage },
    standardInfrequentAccess: {
      writeRequestPerMillion: round(write * 1.25),
      readRequestPerMillion: round(read * 1.25),
      wcuHour: round(wcu * 1.25),
      rcuHour: round(rcu * 1.25),
      storageGbMonth: round(storage * 0.4),
    },
    pitrGbMonth: pitr,
    backupGbMonth: backup,
    streamReadRequestPerMillion: streams,
  };
}

function round(n: number): number {
  return Number(n.toPrecision(6));
}

export const DEFAULT_PRICES: PriceTable = {
  currency: 'USD',
  asOf: '2024-11',
  note: 'us-east-1 and us-west-2 from the public price page; other regions approximate. Check https://aws.amazon.com/dynamodb/pricing/ and pass --prices FILE to use your own.',
  regions: {
    'us-east-1': region(0.625, 0.125, 0.00065, 0.00013, 0.25, 0.2, 0.1, 0.2),
    'us-west-2': region(0.625, 0.125, 0.00065, 0.00013, 0.25, 0.2, 0.1, 0.2),
    'eu-west-1': region(0.7068, 0.1415, 0.000735, 0.000147, 0.283, 0.2264, 0.1132, 0.2263),
    'eu-central-1': region(0.7625, 0.1525, 0.000793, 0.0001586, 0.306, 0.2448, 0.1224, 0.2441),
    'ap-northeast-1': region(0.7135, 0.1427, 0.000742, 0.0001484, 0.285, 0.228, 0.114, 0.228),
  },
};

/** Checks a --prices file's shape; returns the message for the first problem. */
export function checkPriceTable(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return 'the price file must be a JSON object';
  const regions = (value as { regions?: unknown }).regions;
  if (regions === null || typeof regions !== 'object') return 'the price file needs "regions": {"us-east-1": {…}}';
  for (const [name, r] of Object.entries(regions)) {
    const rp = r as Record<string, unknown>;
    for (const key of ['pitrGbMonth', 'backupGbMonth', 'streamReadRequestPerMillion']) {
      if (typeof rp[key] !== 'number') return `regions.${name}.${key} must be a number`;
    }
    for (const cls of ['standard', 'standardInfrequentAccess']) {
      const c = rp[cls] as Record<string, unknown> | undefined;
      for (const key of ['writeRequestPerMillion', 'readRequestPerMillion', 'wcuHour', 'rcuHour', 'storageGbMonth']) {
        if (typeof c?.[key] !== 'number') return `regions.${name}.${cls}.${key} must be a number`;
      }
    }
  }
  return undefined;
}
