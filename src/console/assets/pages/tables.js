/**
 * @module console/pages/tables
 * The tables list (ListTables, then DescribeTable of each: sizes and
 * settings) and the create-table dialog.
 */
import { h, fill, busy, dataTable, formatBytes, openDialog, statusBadge, toast, errorBox } from '../dom.js';
import { call, listAll } from '../api.js';

const KEY_TYPES = ['S', 'N', 'B'];

export async function render(main) {
  const filter = h('input', { type: 'search', placeholder: 'Filter tables  ( / )', 'data-filter': true, 'aria-label': 'Filter tables', oninput: () => show() });
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading tables…'));
  const count = h('span', { class: 'muted' });
  main.append(
    h('div', { class: 'row', style: 'margin-bottom:12px' },
      h('h1', { style: 'margin:0' }, 'Tables'), count, h('span', { class: 'spacer' }), filter,
      h('button', { type: 'button', onclick: () => load() }, 'Refresh'),
      h('button', { type: 'button', class: 'primary', 'data-new': true, onclick: () => createTable().then((made) => made && load()) }, 'Create table')),
    list);
  let tables = [];

  function show() {
    const q = filter.value.trim().toLowerCase();
    const rows = tables.filter((t) => t.TableName.toLowerCase().includes(q));
    count.textContent = `${tables.length} table${tables.length === 1 ? '' : 's'}`;
    fill(list, dataTable([
      { label: 'Name', value: (t) => h('a', { href: `#/tables/${encodeURIComponent(t.TableName)}/items` }, t.TableName) },
      { label: 'Status', value: (t) => (t.error ? errorBox(t.error) : statusBadge(t.TableStatus)) },
      { label: 'Partition key', value: (t) => keyText(t, 'HASH') },
      { label: 'Sort key', value: (t) => keyText(t, 'RANGE') },
      { label: 'Items', num: true, value: (t) => (t.ItemCount ?? '').toLocaleString() },
      { label: 'Size', num: true, value: (t) => formatBytes(t.TableSizeBytes) },
      { label: 'Capacity', value: (t) => capacityText(t) },
      { label: 'Indexes', value: (t) => indexText(t) },
      { label: 'Stream', value: (t) => (t.StreamSpecification?.StreamEnabled ? t.StreamSpecification.StreamViewType : '—') },
      { label: 'Protection', value: (t) => (t.DeletionProtectionEnabled ? 'on' : '—') },
    ], rows, {
      label: 'Tables',
      empty: tables.length === 0 ? 'No tables yet. Create one with "Create table" (n).' : 'No table matches the filter.',
      onOpen: (t) => { location.hash = `#/tables/${encodeURIComponent(t.TableName)}/items`; },
    }));
  }

  async function load() {
    await busy(null, list, async () => {
      const names = await listAll('ListTables', {}, 'TableNames', 'ExclusiveStartTableName', 'LastEvaluatedTableName');
      tables = await mapLimited(names, 8, async (name) => {
        try {
          return (await call('DescribeTable', { TableName: name })).Table;
        } catch (error) {
          return { TableName: name, error };
        }
      });
      show();
    });
  }
  await load();
}

function keyText(t, type) {
  const k = t.KeySchema?.find((x) => x.KeyType === type);
  if (!k) return '—';
  const def = t.AttributeDefinitions?.find((d) => d.AttributeName === k.AttributeName);
  return h('span', {}, k.AttributeName, ' ', h('span', { class: 'muted' }, `(${def?.AttributeType ?? '?'})`));
}

function capacityText(t) {
  if (t.BillingModeSummary?.BillingMode === 'PAY_PER_REQUEST') return 'on-demand';
  const p = t.ProvisionedThroughput;
  return p ? `${p.ReadCapacityUnits} RCU / ${p.WriteCapacityUnits} WCU` : '';
}

function indexText(t) {
  const g = t.GlobalSecondaryIndexes?.length ?? 0;
  const l = t.LocalSecondaryIndexes?.length ?? 0;
  return g + l === 0 ? '—' : [g ? `${g} GSI` : '', l ? `${l} LSI` : ''].filter(Boolean).join(', ');
}

async function mapLimited(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

function keyFields(prefix, label, optional) {
  const name = h('input', { name: `${prefix}Name`, required: !optional, placeholder: optional ? '(none)' : '', 'aria-label': `${label} name`, class: 'mono' });
  const type = h('select', { name: `${prefix}Type`, 'aria-label': `${label} type` }, KEY_TYPES.map((t) => h('option', { value: t }, t)));
  return { name, type, row: h('div', { class: 'row' }, h('label', {}, `${label} name`, name), h('label', {}, 'Type', type)) };
}

/** The create-table dialog; resolves true when a table was made. */
export function createTable() {
  return openDialog((close) => {
    const name = h('input', { name: 'TableName', required: true, autofocus: true, class: 'mono', 'aria-label': 'Table name' });
    const pk = keyFields('pk', 'Partition key', false);
    const sk = keyFields('sk', 'Sort key', true);
    const billing = h('select', { name: 'BillingMode', 'aria-label': 'Capacity mode', onchange: () => { prov.hidden = billing.value !== 'PROVISIONED'; } },
      h('option', { value: 'PAY_PER_REQUEST' }, 'On-demand'), h('option', { value: 'PROVISIONED' }, 'Provisioned'));
    const rcu = h('input', { type: 'number', min: 1, value: 5, name: 'rcu', 'aria-label': 'Read capacity units' });
    const wcu = h('input', { type: 'number', min: 1, value: 5, name: 'wcu', 'aria-label': 'Write capacity units' });
    const prov = h('span', { class: 'row', hidden: true }, h('label', {}, 'RCU', rcu), h('label', {}, 'WCU', wcu));
    const stream = h('select', { name: 'StreamViewType', 'aria-label': 'Stream' },
      h('option', { value: '' }, 'Off'), ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'].map((v) => h('option', { value: v }, v)));
    const protection = h('input', { type: 'checkbox', name: 'DeletionProtectionEnabled' });
    const errorSlot = h('div');
    const submit = h('button', { class: 'primary', type: 'submit' }, 'Create table');
    return h('form', {
      class: 'stack',
      onsubmit: async (e) => {
        e.preventDefault();
        const defs = [{ AttributeName: pk.name.value.trim(), AttributeType: pk.type.value }];
        const keys = [{ AttributeName: pk.name.value.trim(), KeyType: 'HASH' }];
        if (sk.name.value.trim()) {
          defs.push({ AttributeName: sk.name.value.trim(), AttributeType: sk.type.value });
          keys.push({ AttributeName: sk.name.value.trim(), KeyType: 'RANGE' });
        }
        const input = { TableName: name.value.trim(), AttributeDefinitions: defs, KeySchema: keys, BillingMode: billing.value };
        if (billing.value === 'PROVISIONED') input.ProvisionedThroughput = { ReadCapacityUnits: Number(rcu.value), WriteCapacityUnits: Number(wcu.value) };
        if (stream.value) input.StreamSpecification = { StreamEnabled: true, StreamViewType: stream.value };
        if (protection.checked) input.DeletionProtectionEnabled = true;
        const ok = await busy(submit, errorSlot, () => call('CreateTable', input));
        if (ok) {
          toast(`Table ${input.TableName} created`);
          close(true);
        }
      },
    },
    h('h2', {}, 'Create table'),
    h('label', {}, 'Table name', name),
    pk.row, sk.row,
    h('div', { class: 'row' }, h('label', {}, 'Capacity mode', billing), prov, h('label', {}, 'Stream', stream)),
    h('label', { class: 'inline' }, protection, 'Deletion protection'),
    errorSlot,
    h('div', { class: 'row end' }, h('button', { type: 'button', onclick: () => close(false) }, 'Cancel'), submit));
  }, { label: 'Create table' });
}
