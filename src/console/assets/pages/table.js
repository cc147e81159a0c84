/**
 * @module console/pages/table
 * One table: a header with its tabs — overview (settings and indexes:
 * create and delete GSIs with UpdateTable, delete the table), items (the
 * item browser, pages/items), stream (pages/stream), TTL, and backups
 * (point-in-time recovery and on-demand backups).
 */
import { h, fill, busy, dataTable, formatBytes, formatTime, openDialog, statusBadge, toast, errorBox, badge } from '../dom.js';
import { call } from '../api.js';

const TABS = [
  ['overview', 'Overview'],
  ['items', 'Items'],
  ['stream', 'Stream'],
  ['ttl', 'TTL'],
  ['backups', 'Backups'],
];

export async function render(main, route) {
  const name = route.table;
  const base = `#/tables/${encodeURIComponent(name)}`;
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  main.append(
    h('div', { class: 'row', style: 'margin-bottom:6px' }, h('a', { href: '#/tables' }, 'Tables'), h('span', { class: 'muted' }, '/'), h('h1', { style: 'margin:0' }, name)),
    h('nav', { class: 'tabs', 'aria-label': 'Table' }, TABS.map(([id, label]) =>
      h('a', { href: `${base}/${id}`, 'aria-current': id === route.tab ? 'page' : false }, label))),
    body);
  let table;
  try {
    table = (await call('DescribeTable', { TableName: name })).Table;
  } catch (e) {
    fill(body, errorBox(e));
    return undefined;
  }
  fill(body);
  switch (route.tab) {
    case 'items': return (await import('./items.js')).render(body, table);
    case 'stream': return (await import('./stream.js')).render(body, table);
    case 'ttl': return renderTtl(body, table);
    case 'backups': return renderBackups(body, table);
    default: return renderOverview(body, table);
  }
}

function keyList(schema, defs) {
  return (schema ?? []).map((k) => `${k.AttributeName} (${defs?.find((d) => d.AttributeName === k.AttributeName)?.AttributeType ?? '?'}, ${k.KeyType === 'HASH' ? 'partition' : 'sort'})`).join(', ');
}

function renderOverview(el, table) {
  const defs = table.AttributeDefinitions;
  const billing = table.BillingModeSummary?.BillingMode ?? 'PROVISIONED';
  const errorSlot = h('div');
  const del = h('button', { type: 'button', class: 'danger', onclick: async () => {
    if (!confirm(`Delete table ${table.TableName} and all its items?`)) return;
    const ok = await busy(del, errorSlot, () => call('DeleteTable', { TableName: table.TableName }));
    if (ok) {
      toast(`Table ${table.TableName} is being deleted`);
      location.hash = '#/tables';
    }
  } }, 'Delete table');
  const protect = h('button', { type: 'button', onclick: async () => {
    const ok = await busy(protect, errorSlot, () => call('UpdateTable', { TableName: table.TableName, DeletionProtectionEnabled: !table.DeletionProtectionEnabled }));
    if (ok) {
      toast(`Deletion protection ${ok.TableDescription.DeletionProtectionEnabled ? 'on' : 'off'}`);
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    }
  } }, table.DeletionProtectionEnabled ? 'Turn deletion protection off' : 'Turn deletion protection on');
  const gsis = table.GlobalSecondaryIndexes ?? [];
  const lsis = table.LocalSecondaryIndexes ?? [];
  const indexError = h('div');
  el.append(
    h('div', { class: 'grid2' },
      h('section', { class: 'panel' }, h('h2', { style: 'margin-top:0' }, 'Settings'), h('dl', { class: 'kv' },
        h('dt', {}, 'Status'), h('dd', {}, statusBadge(table.TableStatus)),
        h('dt', {}, 'Keys'), h('dd', {}, keyList(table.KeySchema, defs)),
        h('dt', {}, 'Items'), h('dd', {}, (table.ItemCount ?? 0).toLocaleString()),
        h('dt', {}, 'Size'), h('dd', {}, formatBytes(table.TableSizeBytes ?? 0)),
        h('dt', {}, 'Capacity'), h('dd', {}, billing === 'PAY_PER_REQUEST' ? 'on-demand' : `provisioned: ${table.ProvisionedThroughput?.ReadCapacityUnits} RCU, ${table.ProvisionedThroughput?.WriteCapacityUnits} WCU`),
        h('dt', {}, 'Table class'), h('dd', {}, table.TableClassSummary?.TableClass ?? 'STANDARD'),
        h('dt', {}, 'Stream'), h('dd', {}, table.StreamSpecification?.StreamEnabled ? table.StreamSpecification.StreamViewType : 'off'),
        h('dt', {}, 'Encryption'), h('dd', {}, table.SSEDescription?.SSEType ?? 'owned by DynamoDB'),
        h('dt', {}, 'Deletion protection'), h('dd', {}, table.DeletionProtectionEnabled ? 'on' : 'off'),
        h('dt', {}, 'Created'), h('dd', {}, formatTime(table.CreationDateTime)),
        h('dt', {}, 'ARN'), h('dd', { class: 'mono' }, table.TableArn))),
      h('section', { class: 'panel' }, h('h2', { style: 'margin-top:0' }, 'Actions'),
        h('div', { class: 'row' }, protect, del), errorSlot)),
    h('section', { class: 'panel' },
      h('div', { class: 'row' }, h('h2', { style: 'margin:0' }, 'Global secondary indexes'), h('span', { class: 'spacer' }),
        h('button', { type: 'button', 'data-new': true, onclick: () => createIndex(table).then((made) => made && window.dispatchEvent(new HashChangeEvent('hashchange'))) }, 'Create index')),
      dataTable([
        { label: 'Name', value: (i) => i.IndexName },
        { label: 'Status', value: (i) => [statusBadge(i.IndexStatus), i.Backfilling ? [' ', badge('backfilling', 'warn')] : null] },
        { label: 'Keys', value: (i) => keyList(i.KeySchema, defs) },
        { label: 'Projection', value: (i) => projectionText(i.Projection) },
        { label: 'Items', num: true, value: (i) => (i.ItemCount ?? 0).toLocaleString() },
        { label: 'Size', num: true, value: (i) => formatBytes(i.IndexSizeBytes ?? 0) },
        { label: '', value: (i) => h('button', { type: 'button', class: 'danger', onclick: async (e) => {
          if (!confirm(`Delete index ${i.IndexName}?`)) return;
          const ok = await busy(e.currentTarget, indexError, () => call('UpdateTable', { TableName: table.TableName, GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: i.IndexName } }] }));
          if (ok) {
            toast(`Index ${i.IndexName} is being deleted`);
            window.dispatchEvent(new HashChangeEvent('hashchange'));
          }
        } }, 'Delete') },
      ], gsis, { label: 'Global secondary indexes', empty: 'No global secondary indexes.' }),
      indexError,
      lsis.length ? [h('h2', {}, 'Local secondary indexes'), dataTable([
        { label: 'Name', value: (i) => i.IndexName },
        { label: 'Keys', value: (i) => keyList(i.KeySchema, defs) },
        { label: 'Projection', value: (i) => projectionText(i.Projection) },
        { label: 'Items', num: true, value: (i) => (i.ItemCount ?? 0).toLocaleString() },
      ], lsis, { label: 'Local secondary indexes' })] : null));
  // While the table or an index is changing (a backfill, a deletion), look again every 2 s.
  const changing = table.TableStatus !== 'ACTIVE' || gsis.some((i) => i.IndexStatus !== 'ACTIVE' || i.Backfilling);
  if (!changing) return undefined;
  const timer = setTimeout(() => window.dispatchEvent(new HashChangeEvent('hashchange')), 2000);
  return () => clearTimeout(timer);
}

function projectionText(p) {
  if (!p) return '';
  return p.ProjectionType === 'INCLUDE' ? `INCLUDE ${p.NonKeyAttributes?.join(', ')}` : p.ProjectionType;
}

/** The create-index dialog (UpdateTable with a GSI Create); resolves true when one was asked for. */
function createIndex(table) {
  return openDialog((close) => {
    const name = h('input', { name: 'IndexName', required: true, class: 'mono', autofocus: true, 'aria-label': 'Index name' });
    const field = (prefix, label, optional) => {
      const n = h('input', { name: `${prefix}Name`, required: !optional, class: 'mono', placeholder: optional ? '(none)' : '', 'aria-label': `${label} name` });
      const t = h('select', { name: `${prefix}Type`, 'aria-label': `${label} type` }, ['S', 'N', 'B'].map((x) => h('option', {}, x)));
      return { n, t, row: h('div', { class: 'row' }, h('label', {}, `${label} name`, n), h('label', {}, 'Type', t)) };
    };
    const pk = field('pk', 'Partition key', false);
    const sk = field('sk', 'Sort key', true);
    const projection = h('select', { name: 'ProjectionType', 'aria-label': 'Projection', onchange: () => { include.hidden = projection.value !== 'INCLUDE'; } },
      ['ALL', 'KEYS_ONLY', 'INCLUDE'].map((x) => h('option', {}, x)));
    const includeInput = h('input', { name: 'NonKeyAttributes', class: 'mono', placeholder: 'a, b, c', 'aria-label': 'Projected attributes' });
    const include = h('label', { hidden: true }, 'Attributes (comma-separated)', includeInput);
    const errorSlot = h('div');
    const submit = h('button', { class: 'primary', type: 'submit' }, 'Create index');
    // Known types come from the table; a new attribute takes the type chosen here.
    const known = new Map((table.AttributeDefinitions ?? []).map((d) => [d.AttributeName, d.AttributeType]));
    return h('form', {
      class: 'stack',
      onsubmit: async (e) => {
        e.preventDefault();
        const defs = new Map(known);
        const keys = [{ AttributeName: pk.n.value.trim(), KeyType: 'HASH' }];
        if (!defs.has(pk.n.value.trim())) defs.set(pk.n.value.trim(), pk.t.value);
        if (sk.n.value.trim()) {
          keys.push({ AttributeName: sk.n.value.trim(), KeyType: 'RANGE' });
          if (!defs.has(sk.n.value.trim())) defs.set(sk.n.value.trim(), sk.t.value);
        }
        const create = { IndexName: name.value.trim(), KeySchema: keys, Projection: { ProjectionType: projection.value } };
        if (projection.value === 'INCLUDE') create.Projection.NonKeyAttributes = includeInput.value.split(',').map((s) => s.trim()).filter(Boolean);
        if ((table.BillingModeSummary?.BillingMode ?? 'PROVISIONED') === 'PROVISIONED') {
          create.ProvisionedThroughput = { ReadCapacityUnits: table.ProvisionedThroughput?.ReadCapacityUnits ?? 5, WriteCapacityUnits: table.ProvisionedThroughput?.WriteCapacityUnits ?? 5 };
        }
        const ok = await busy(submit, errorSlot, () => call('UpdateTable', {
          TableName: table.TableName,
          AttributeDefinitions: [...defs].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
          GlobalSecondaryIndexUpdates: [{ Create: create }],
        }));
        if (ok) {
          toast(`Index ${create.IndexName} is being created`);
          close(true);
        }
      },
    },
    h('h2', {}, `Create a global secondary index on ${table.TableName}`),
    h('label', {}, 'Index name', name), pk.row, sk.row,
    h('div', { class: 'row' }, h('label', {}, 'Projection', projection), include),
    h('p', { class: 'muted' }, 'A key attribute the table already defines keeps its type.'),
    errorSlot,
    h('div', { class: 'row end' }, h('button', { type: 'button', onclick: () => close(false) }, 'Cancel'), submit));
  }, { label: 'Create index' });
}

async function renderTtl(el, table) {
  const state = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const errorSlot = h('div');
  const attr = h('input', { name: 'AttributeName', class: 'mono', 'aria-label': 'TTL attribute', placeholder: 'expiresAt' });
  const enable = h('button', { type: 'button', class: 'primary', onclick: () => update(true, enable) }, 'Enable TTL');
  const disable = h('button', { type: 'button', onclick: () => update(false, disable) }, 'Disable TTL');
  el.append(h('section', { class: 'panel stack' },
    h('h2', { style: 'margin-top:0' }, 'Time to live'),
    h('p', { class: 'muted' }, 'Items whose TTL attribute holds a number of epoch seconds in the past are deleted in the background (their deletions appear in the stream as service deletions).'),
    state,
    h('div', { class: 'row' }, h('label', {}, 'TTL attribute name', attr), enable, disable),
    errorSlot));
  let current;
  async function load() {
    await busy(null, state, async () => {
      current = (await call('DescribeTimeToLive', { TableName: table.TableName })).TimeToLiveDescription;
      fill(state, h('dl', { class: 'kv' },
        h('dt', {}, 'Status'), h('dd', { 'data-ttl-status': current.TimeToLiveStatus }, statusBadge(current.TimeToLiveStatus)),
        h('dt', {}, 'Attribute'), h('dd', { class: 'mono' }, current.AttributeName ?? '—')));
      if (current.AttributeName && !attr.value) attr.value = current.AttributeName;
    });
  }
  async function update(enabled, button) {
    const name = attr.value.trim() || current?.AttributeName || '';
    const ok = await busy(button, errorSlot, () => call('UpdateTimeToLive', { TableName: table.TableName, TimeToLiveSpecification: { Enabled: enabled, AttributeName: name } }));
    if (ok) {
      toast(`TTL ${enabled ? 'enabled' : 'disabled'} on ${name}`);
      await load();
    }
  }
  await load();
}

async function renderBackups(el, table) {
  const pitr = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const pitrError = h('div');
  const backups = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const backupError = h('div');
  const backupName = h('input', { name: 'BackupName', class: 'mono', 'aria-label': 'Backup name', value: `${table.TableName}-${new Date().toISOString().slice(0, 10)}` });
  const create = h('button', { type: 'button', class: 'primary', onclick: async () => {
    const ok = await busy(create, backupError, () => call('CreateBackup', { TableName: table.TableName, BackupName: backupName.value.trim() }));
    if (ok) {
      toast(`Backup ${ok.BackupDetails?.BackupName ?? ''} created`);
      await loadBackups();
    }
  } }, 'Create backup');
  el.append(
    h('section', { class: 'panel stack' }, h('h2', { style: 'margin-top:0' }, 'Point-in-time recovery'), pitr, pitrError),
    h('section', { class: 'panel stack' }, h('h2', { style: 'margin-top:0' }, 'On-demand backups'),
      h('div', { class: 'row' }, h('label', {}, 'Backup name', backupName), create), backupError, backups));

  async function loadPitr() {
    await busy(null, pitr, async () => {
      const d = (await call('DescribeContinuousBackups', { TableName: table.TableName })).ContinuousBackupsDescription;
      const p = d?.PointInTimeRecoveryDescription ?? {};
      const on = p.PointInTimeRecoveryStatus === 'ENABLED';
      const toggle = h('button', { type: 'button', class: on ? '' : 'primary', onclick: async () => {
        const ok = await busy(toggle, pitrError, () => call('UpdateContinuousBackups', { TableName: table.TableName, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: !on } }));
        if (ok) await loadPitr();
      } }, on ? 'Disable point-in-time recovery' : 'Enable point-in-time recovery');
      fill(pitr, h('dl', { class: 'kv' },
        h('dt', {}, 'Continuous backups'), h('dd', {}, statusBadge(d?.ContinuousBackupsStatus)),
        h('dt', {}, 'Point-in-time recovery'), h('dd', { 'data-pitr-status': p.PointInTimeRecoveryStatus ?? '' }, statusBadge(p.PointInTimeRecoveryStatus)),
        p.EarliestRestorableDateTime ? [h('dt', {}, 'Restorable from'), h('dd', {}, formatTime(p.EarliestRestorableDateTime))] : null,
        p.LatestRestorableDateTime ? [h('dt', {}, 'Restorable to'), h('dd', {}, formatTime(p.LatestRestorableDateTime))] : null,
        p.RecoveryPeriodInDays ? [h('dt', {}, 'Recovery period'), h('dd', {}, `${p.RecoveryPeriodInDays} days`)] : null),
      h('div', { class: 'row', style: 'margin-top:8px' }, toggle));
    });
  }
  async function loadBackups() {
    await busy(null, backups, async () => {
      const list = [];
      let start;
      do {
        const page = await call('ListBackups', { TableName: table.TableName, ...(start ? { ExclusiveStartBackupArn: start } : {}) });
        list.push(...(page.BackupSummaries ?? []));
        start = page.LastEvaluatedBackupArn;
      } while (start);
      fill(backups, dataTable([
        { label: 'Name', value: (b) => b.BackupName },
        { label: 'Status', value: (b) => statusBadge(b.BackupStatus) },
        { label: 'Type', value: (b) => b.BackupType },
        { label: 'Created', value: (b) => formatTime(b.BackupCreationDateTime) },
        { label: 'Size', num: true, value: (b) => formatBytes(b.BackupSizeBytes) },
        { label: 'ARN', value: (b) => h('span', { class: 'mono' }, b.BackupArn) },
      ], list, { label: 'Backups', empty: 'No backups of this table.' }));
    });
  }
  await Promise.all([loadPitr(), loadBackups()]);
}
