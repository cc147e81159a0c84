/**
 * @module console/pages/items
 * The item browser: a query or scan builder (index, key condition,
 * filters, order, page size, consistency), the results as a table with
 * paging both ways (the start key of every page seen is kept, so Previous
 * re-reads the page before), and the item editor (pages/item-editor).
 */
import { h, fill, busy, dataTable, errorBox } from '../dom.js';
import { call } from '../api.js';
import { ExpressionBuilder, attrType, parseTyped, show } from '../values.js';
import { editItem } from './item-editor.js';

const SK_OPS = [['', '(any)'], ['=', '='], ['<', '<'], ['<=', '<='], ['>', '>'], ['>=', '>='], ['between', 'between'], ['begins_with', 'begins with']];
const FILTER_OPS = ['=', '<>', '<', '<=', '>', '>=', 'begins_with', 'contains', 'between', 'attribute_exists', 'attribute_not_exists'];
const FILTER_TYPES = ['S', 'N', 'BOOL', 'NULL'];

export function render(el, table) {
  const indexes = [
    { name: '', label: `table: ${table.TableName}`, keys: table.KeySchema },
    ...(table.GlobalSecondaryIndexes ?? []).map((i) => ({ name: i.IndexName, label: `GSI: ${i.IndexName}`, keys: i.KeySchema, gsi: true })),
    ...(table.LocalSecondaryIndexes ?? []).map((i) => ({ name: i.IndexName, label: `LSI: ${i.IndexName}`, keys: i.KeySchema })),
  ];
  const tableKeys = table.KeySchema.map((k) => k.AttributeName);
  const state = { starts: [undefined], page: 0, last: undefined, request: undefined };

  const mode = h('select', { name: 'mode', 'aria-label': 'Query or scan', onchange: () => layout() }, h('option', { value: 'scan' }, 'Scan'), h('option', { value: 'query' }, 'Query'));
  const index = h('select', { name: 'index', 'aria-label': 'Table or index', onchange: () => layout() }, indexes.map((i, n) => h('option', { value: String(n) }, i.label)));
  const keyArea = h('div', { class: 'row' });
  const pkValue = h('input', { name: 'pk', class: 'mono', 'aria-label': 'Partition key value' });
  const skOp = h('select', { name: 'skOp', 'aria-label': 'Sort key condition', onchange: () => { skValue2.hidden = skOp.value !== 'between'; } }, SK_OPS.map(([v, l]) => h('option', { value: v }, l)));
  const skValue = h('input', { name: 'sk', class: 'mono', 'aria-label': 'Sort key value' });
  const skValue2 = h('input', { name: 'sk2', class: 'mono', 'aria-label': 'Sort key upper value', hidden: true });
  const descending = h('input', { type: 'checkbox', name: 'descending' });
  const consistent = h('input', { type: 'checkbox', name: 'consistent' });
  const limit = h('select', { name: 'limit', 'aria-label': 'Page size' }, ['10', '25', '50', '100', '250', '1000'].map((v) => h('option', { value: v, selected: v === '25' ? true : undefined }, v)));
  const filters = h('div', { class: 'filters' });
  const errorSlot = h('div');
  const results = h('div');
  const run = h('button', { type: 'submit', class: 'primary', 'data-run': true, title: 'Ctrl+Enter' }, 'Run');
  const form = h('form', { class: 'panel stack', onsubmit: (e) => { e.preventDefault(); void start(); } },
    h('div', { class: 'row' }, h('label', {}, 'Operation', mode), h('label', {}, 'Table or index', index), h('label', {}, 'Page size', limit),
      h('label', { class: 'inline' }, consistent, 'Strongly consistent'), h('span', { class: 'spacer' }),
      h('button', { type: 'button', 'data-new': true, onclick: () => openEditor(undefined) }, 'Create item')),
    keyArea,
    h('fieldset', {}, h('legend', {}, 'Filters'), filters, h('button', { type: 'button', onclick: () => addFilter() }, 'Add filter')),
    h('div', { class: 'row' }, run, h('span', { class: 'muted' }, 'Ctrl+Enter runs')),
    errorSlot);
  el.append(form, results);

  function current() {
    return indexes[Number(index.value)];
  }

  function layout() {
    const ix = current();
    const pk = ix.keys.find((k) => k.KeyType === 'HASH');
    const sk = ix.keys.find((k) => k.KeyType === 'RANGE');
    consistent.disabled = Boolean(ix.gsi);
    if (ix.gsi) consistent.checked = false;
    if (mode.value === 'scan') {
      fill(keyArea);
      return;
    }
    fill(keyArea,
      h('label', {}, `${pk.AttributeName} (${attrType(table, pk.AttributeName)}) =`, pkValue),
      sk ? [h('label', {}, `${sk.AttributeName} (${attrType(table, sk.AttributeName)})`, skOp), h('label', {}, 'value', skValue), h('label', {}, '', skValue2)] : null,
      h('label', { class: 'inline' }, descending, 'Descending'));
  }

  function addFilter() {
    const attr = h('input', { class: 'mono', 'aria-label': 'Filter attribute', placeholder: 'attribute' });
    const op = h('select', { 'aria-label': 'Filter condition', onchange: () => sync() }, FILTER_OPS.map((o) => h('option', {}, o)));
    const type = h('select', { 'aria-label': 'Filter value type' }, FILTER_TYPES.map((t) => h('option', {}, t)));
    const v1 = h('input', { class: 'mono', 'aria-label': 'Filter value' });
    const v2 = h('input', { class: 'mono', 'aria-label': 'Filter upper value', hidden: true });
    const row = h('div', { class: 'filter' }, attr, op, type, v1, v2, h('button', { type: 'button', class: 'ghost', 'aria-label': 'Remove filter', onclick: () => row.remove() }, '✕'));
    row.read = () => ({ attr: attr.value.trim(), op: op.value, type: type.value, v1: v1.value, v2: v2.value });
    function sync() {
      const noValue = op.value.startsWith('attribute_');
      type.hidden = v1.hidden = noValue;
      v2.hidden = op.value !== 'between';
    }
    filters.append(row);
    attr.focus();
  }

  /** The Query or Scan request the form describes (without the start key). */
  function buildRequest() {
    const ix = current();
    const req = { TableName: table.TableName, Limit: Number(limit.value) };
    if (ix.name) req.IndexName = ix.name;
    if (consistent.checked) req.ConsistentRead = true;
    const ex = new ExpressionBuilder();
    if (mode.value === 'query') {
      const pk = ix.keys.find((k) => k.KeyType === 'HASH');
      const sk = ix.keys.find((k) => k.KeyType === 'RANGE');
      const parts = [ex.condition(pk.AttributeName, '=', parseTyped(attrType(table, pk.AttributeName), pkValue.value, pk.AttributeName))];
      if (sk && skOp.value) {
        const t = attrType(table, sk.AttributeName);
        parts.push(ex.condition(sk.AttributeName, skOp.value, parseTyped(t, skValue.value, sk.AttributeName), skOp.value === 'between' ? parseTyped(t, skValue2.value, sk.AttributeName) : undefined));
      }
      req.KeyConditionExpression = parts.join(' AND ');
      if (descending.checked) req.ScanIndexForward = false;
    }
    const conds = [];
    for (const row of filters.children) {
      const f = row.read();
      if (!f.attr) continue;
      const noValue = f.op.startsWith('attribute_');
      conds.push(ex.condition(f.attr, f.op, noValue ? undefined : parseTyped(f.type, f.v1, f.attr), f.op === 'between' ? parseTyped(f.type, f.v2, f.attr) : undefined));
    }
    if (conds.length) req.FilterExpression = conds.join(' AND ');
    Object.assign(req, ex.fields());
    return { operation: mode.value === 'query' ? 'Query' : 'Scan', input: req };
  }

  async function start() {
    errorSlot.replaceChildren();
    try {
      state.request = buildRequest();
    } catch (e) {
      errorSlot.append(errorBox(e));
      return;
    }
    state.starts = [undefined];
    state.page = 0;
    await load();
  }

  async function load() {
    const { operation, input } = state.request;
    const startKey = state.starts[state.page];
    await busy(run, errorSlot, async () => {
      const page = await call(operation, startKey ? { ...input, ExclusiveStartKey: startKey } : input);
      state.last = page.LastEvaluatedKey;
      if (page.LastEvaluatedKey) state.starts[state.page + 1] = page.LastEvaluatedKey;
      else state.starts.length = state.page + 1;
      showPage(page, operation);
    });
  }

  function showPage(page, operation) {
    const items = page.Items ?? [];
    const names = [...tableKeys];
    for (const k of current().keys) if (!names.includes(k.AttributeName)) names.push(k.AttributeName);
    for (const it of items) for (const n of Object.keys(it)) if (!names.includes(n)) names.push(n);
    const prev = h('button', { type: 'button', disabled: state.page === 0, onclick: () => { state.page--; void load(); }, 'aria-label': 'Previous page' }, '← Previous');
    const next = h('button', { type: 'button', disabled: !state.last, onclick: () => { state.page++; void load(); }, 'aria-label': 'Next page' }, 'Next →');
    fill(results,
      h('div', { class: 'row', style: 'margin-bottom:8px' },
        h('strong', { 'data-result-count': items.length }, `${operation}: ${items.length} item${items.length === 1 ? '' : 's'}`),
        h('span', { class: 'muted' }, `scanned ${page.ScannedCount ?? items.length} · page ${state.page + 1}${state.last ? '' : ' (last)'}`),
        h('span', { class: 'spacer' }), prev, next),
      dataTable(names.map((n) => ({ label: n, value: (it) => (it[n] === undefined ? '' : show(it[n])) })), items, {
        label: 'Items',
        empty: 'No items on this page.',
        onOpen: (it) => openEditor(it),
      }));
  }

  async function openEditor(item) {
    let full = item;
    if (item && current().name) {
      // An index may project only some attributes: edit the table's item.
      const key = Object.fromEntries(tableKeys.map((k) => [k, item[k]]));
      full = (await call('GetItem', { TableName: table.TableName, Key: key, ConsistentRead: true })).Item ?? item;
    }
    const changed = await editItem(table, full);
    if (changed && state.request) await load();
    else if (changed) await start();
  }

  layout();
  // Show something at once: the first page of a scan.
  void start();
}
