/**
 * @module tools/batch-writer
 * Writes items into a table with BatchWriteItem: 25 items a request, several
 * requests in flight, UnprocessedItems sent again with exponential backoff,
 * and a record of how far the source has been written for resuming (the
 * position of each lane up to which every row is acknowledged durable).
 * Two items with the same key never go in one request (DynamoDB refuses
 * that): the batch is sent first, so the later item wins, as in the source.
 */
import { itemSize, MAX_ITEM_SIZE, type Item } from '../values/index.js';
import { backoffMs, DynamoClient, sleep } from './client.js';

export const BATCH_SIZE = 25;

interface Batch {
  readonly seq: number;
  readonly items: Item[];
  readonly keys: Set<string>;
  /** Rows (written or skipped) this batch accounts for, and the lanes' positions after them. */
  rows: number;
  readonly positions: Map<number, unknown>;
}

export interface WriterProgress {
  /** Source rows whose batch is acknowledged (written or skipped). */
  rowsDone: number;
  itemsWritten: number;
  /** Lane → position up to which everything is acknowledged. */
  readonly positions: Map<number, unknown>;
}

export class BatchWriter {
  private current: Batch;
  private nextSeq = 0;
  private nextToCommit = 0;
  private readonly finished = new Map<number, Batch>();
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  /** Requests sent again (throttling, UnprocessedItems). */
  retries = 0;

  constructor(
    private readonly client: DynamoClient,
    private readonly table: string,
    private readonly keyNames: readonly string[],
    private readonly concurrency: number,
    readonly progress: WriterProgress,
    /** Called whenever progress advances (to save a checkpoint). */
    private readonly onCommit: () => void,
  ) {
    this.current = this.newBatch();
  }

  private newBatch(): Batch {
    return { seq: this.nextSeq++, items: [], keys: new Set(), rows: 0, positions: new Map() };
  }

  /** Checks an item before it is queued; returns why it cannot be written, or undefined. */
  static problem(item: Item): string | undefined {
    const size = itemSize(item);
    return size > MAX_ITEM_SIZE ? `the item is ${size} bytes; DynamoDB's limit is ${MAX_ITEM_SIZE}` : undefined;
  }

  /** Queues `item` (or, with undefined, just a skipped row) at `position` of `lane`; waits while too many requests are in flight. */
  async add(item: Item | undefined, lane: number, position: unknown): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (item !== undefined) {
      const key = JSON.stringify(this.keyNames.map((k) => item[k]));
      if (this.current.keys.has(key) || this.current.items.length >= BATCH_SIZE) await this.flush();
      this.current.items.push(item);
      this.current.keys.add(key);
    }
    this.current.rows++;
    this.current.positions.set(lane, position);
  }

  /** Sends the current batch (waiting for a free slot first). */
  async flush(): Promise<void> {
    const batch = this.current;
    this.current = this.newBatch();
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
    const p = this.send(batch).then(
      () => this.commit(batch),
      (e: unknown) => {
        this.failure ??= e;
      },
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Sends what is queued and waits for every request. */
  async close(): Promise<void> {
    if (this.current.rows > 0) await this.flush();
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Waits for the requests in flight, without sending the batch being filled (an interruption). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
  }

  private async send(batch: Batch): Promise<void> {
    let requests: unknown[] = batch.items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; requests.length > 0; attempt++) {
      if (attempt > 1) {
        this.retries++;
        await sleep(Math.max(10, backoffMs(attempt - 1, 100)));
      }
      const answer = await this.client.call<{ UnprocessedItems?: Record<string, unknown[]> }>('BatchWriteItem', { RequestItems: { [this.table]: requests } });
      requests = answer.UnprocessedItems?.[this.table] ?? [];
      if (attempt >= 30 && requests.length > 0) throw new Error(`BatchWriteItem left ${requests.length} items unprocessed after 30 attempts`);
    }
  }

  /** Advances the acknowledged positions over every batch finished in order. */
  private commit(batch: Batch): void {
    this.finished.set(batch.seq, batch);
    let advanced = false;
    for (let b = this.finished.get(this.nextToCommit); b !== undefined; b = this.finished.get(this.nextToCommit)) {
      this.finished.delete(this.nextToCommit);
      this.nextToCommit++;
      this.progress.rowsDone += b.rows;
      this.progress.itemsWritten += b.items.length;
      for (const [lane, position] of b.positions) this.progress.positions.set(lane, position);
      advanced = true;
    }
    if (advanced) this.onCommit();
  }
}
