/**
 * @module console/pages/stream
 * The table's stream through the DynamoDB Streams API: its settings
 * (UpdateTable turns it on, off, or changes the view), its shards
 * (DescribeStream), and its records (GetShardIterator + GetRecords over
 * every shard, from the oldest record or from now), with a follow mode
 * that keeps polling the iterators it holds.
 */
import { h, fill, busy, dataTable, statusBadge, toast } from '../dom.js';
import { call } from '../api.js';
import { show } from '../values.js';

const VIEWS = ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'];
const MAX_RECORDS = 1000;

export async function render(el, table) {
  const errorSlot = h('div');
  const spec = table.StreamSpecification;
  const view = h('select', { name: 'StreamViewType', 'aria-label': 'Stream view type' }, VIEWS.map((v) => h('option', { selected: spec?.StreamViewType === v ? true : undefined }, v)));
  const change = async (button, enabled) => {
    const input = { TableName: table.TableName, StreamSpecification: enabled ? { StreamEnabled: true, StreamViewType: view.value } : { StreamEnabled: false } };
    const ok = await busy(button, errorSlot, () => call('UpdateTable', input));
    if (ok) {
      toast(enabled ? 'Stream on' : 'Stream off');
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    }
  };
  const on = h('button', { type: 'button', class: 'primary', onclick: (e) => change(e.currentTarget, true) }, spec?.StreamEnabled ? 'Switch view (new stream)' : 'Turn stream on');
  const off = spec?.StreamEnabled ? h('button', { type: 'button', onclick: (e) => change(e.currentTarget, false) }, 'Turn stream off') : null;
  el.append(h('section', { class: 'panel stack' },
    h('h2', { style: 'margin-top:0' }, 'Stream'),
    h('dl', { class: 'kv' },
      h('dt', {}, 'Status'), h('dd', {}, spec?.StreamEnabled ? `on: ${spec.StreamViewType}` : 'off'),
      table.LatestStreamArn ? [h('dt', {}, 'Latest stream'), h('dd', { class: 'mono' }, table.LatestStreamArn)] : null),
    h('div', { class: 'row' }, h('label', {}, 'View type', view), on, off),
    errorSlot));
  if (!table.LatestStreamArn) return undefined;

  const shardsEl = h('div');
  const recordsEl = h('div');
  const readError = h('div');
  const from = h('select', { name: 'from', 'aria-label': 'Read from' }, h('option', { value: 'TRIM_HORIZON' }, 'the oldest record'), h('option', { value: 'LATEST' }, 'now on'));
  const follow = h('input', { type: 'checkbox', name: 'follow' });
  const read = h('button', { type: 'button', class: 'primary', 'data-run': true, onclick: () => void start() }, 'Read records');
  el.append(h('section', { class: 'panel stack' },
    h('h2', { style: 'margin-top:0' }, 'Records'),
    h('div', { class: 'row' }, h('label', {}, 'Read from', from), read, h('label', { class: 'inline' }, follow, 'Follow (poll every second)')),
    readError, recordsEl),
  h('section', { class: 'panel' }, h('h2', { style: 'margin-top:0' }, 'Shards'), shardsEl));

  let shards = [];
  let iterators = new Map();
  let records = [];
  let timer;
  let stopped = false;

  async function loadShards() {
    shards = [];
    let start;
    let desc;
    do {
      desc = (await call('DescribeStream', { StreamArn: table.LatestStreamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }, { streams: true })).StreamDescription;
      shards.push(...(desc.Shards ?? []));
      start = desc.LastEvaluatedShardId;
    } while (start);
    fill(shardsEl,
      h('p', {}, 'Stream status ', statusBadge(desc.StreamStatus), ` · ${shards.length} shard${shards.length === 1 ? '' : 's'}`),
      dataTable([
        { label: 'Shard', value: (s) => h('span', { class: 'mono' }, s.ShardId) },
        { label: 'Parent', value: (s) => h('span', { class: 'mono' }, s.ParentShardId ?? '') },
        { label: 'First sequence number', value: (s) => h('span', { class: 'mono' }, s.SequenceNumberRange?.StartingSequenceNumber ?? '') },
        { label: 'Last', value: (s) => h('span', { class: 'mono' }, s.SequenceNumberRange?.EndingSequenceNumber ?? 'open') },
      ], shards, { label: 'Shards', empty: 'No shards yet.' }));
  }

  async function start() {
    records = [];
    iterators = new Map();
    await busy(read, readError, async () => {
      await loadShards();
      for (const s of shards) {
        const it = await call('GetShardIterator', { StreamArn: table.LatestStreamArn, ShardId: s.ShardId, ShardIteratorType: from.value }, { streams: true });
        if (it.ShardIterator) iterators.set(s.ShardId, it.ShardIterator);
      }
      await poll();
    });
    schedule();
  }

  /** One GetRecords per open shard (more while a shard has a full page), newest records shown first. */
  async function poll() {
    for (const [shard, iterator] of [...iterators]) {
      let it = iterator;
      for (let rounds = 0; it && rounds < 10; rounds++) {
        const page = await call('GetRecords', { ShardIterator: it, Limit: 1000 }, { streams: true });
        records.push(...(page.Records ?? []));
        it = page.NextShardIterator;
        if ((page.Records ?? []).length === 0) break;
      }
      if (it) iterators.set(shard, it);
      else iterators.delete(shard);
    }
    records.sort((a, b) => compareSeq(a.dynamodb?.SequenceNumber, b.dynamodb?.SequenceNumber));
    if (records.length > MAX_RECORDS) records = records.slice(-MAX_RECORDS);
    showRecords();
  }

  function showRecords() {
    const rows = [...records].reverse();
    fill(recordsEl,
      h('p', { class: 'muted', 'data-record-count': records.length }, `${records.length} record${records.length === 1 ? '' : 's'}${follow.checked ? ' · following' : ''}`),
      dataTable([
        { label: 'Sequence number', value: (r) => h('span', { class: 'mono' }, r.dynamodb?.SequenceNumber) },
        { label: 'Time', value: (r) => new Date((r.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toLocaleTimeString() },
        { label: 'Event', value: (r) => [r.eventName, r.userIdentity?.principalId === 'dynamodb.amazonaws.com' ? ' (TTL)' : ''] },
        { label: 'Keys', value: (r) => showImage(r.dynamodb?.Keys) },
        { label: 'New image', value: (r) => showImage(r.dynamodb?.NewImage) },
        { label: 'Old image', value: (r) => showImage(r.dynamodb?.OldImage) },
      ], rows, { label: 'Stream records', empty: 'No records.' }));
  }

  function schedule() {
    clearTimeout(timer);
    if (stopped || !follow.checked) return;
    timer = setTimeout(async () => {
      try {
        await poll();
      } catch (e) {
        fill(readError, String(e.message));
      }
      schedule();
    }, 1000);
  }
  follow.addEventListener('change', () => schedule());

  await busy(null, shardsEl, loadShards);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function showImage(image) {
  if (!image) return '';
  return h('span', { class: 'mono' }, show({ M: image }, 160));
}

/** Sequence numbers are decimal strings of up to 40 digits: compare by length, then text. */
function compareSeq(a = '', b = '') {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
