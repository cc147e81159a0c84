/**
 * @module console/pages/item-editor
 * One item in a dialog, edited as typed rows (name, type, value) or as
 * DynamoDB JSON; the two views convert into each other. A new item is
 * written with PutItem (refusing to overwrite unless asked); an existing
 * one with UpdateItem setting what changed and removing what was removed,
 * on the condition that it still exists; Delete with DeleteItem.
 */
import { h, fill, busy, errorBox, openDialog, toast } from '../dom.js';
import { call } from '../api.js';
import { ExpressionBuilder, TYPES, attrType, editText, keyOf, parseItemJson, parseTyped, same, typeOf } from '../values.js';

/** Resolves true when the item was written or deleted. */
export function editItem(table, item) {
  const isNew = item === undefined;
  const keyNames = table.KeySchema.map((k) => k.AttributeName);
  const original = item ?? Object.fromEntries(keyNames.map((k) => [k, { [attrType(table, k)]: '' }]));

  return openDialog((close) => {
    let view = 'form';
    const rows = h('div', { class: 'attr-rows' });
    const json = h('textarea', { name: 'json', class: 'mono', 'aria-label': 'Item as DynamoDB JSON', rows: 16, spellcheck: 'false' });
    const formView = h('div', {}, rows, h('div', { class: 'row', style: 'margin-top:8px' }, h('button', { type: 'button', onclick: () => addRow('', 'S', '', false, true) }, 'Add attribute')));
    const jsonView = h('div', { hidden: true }, json);
    const errorSlot = h('div');
    const overwrite = h('input', { type: 'checkbox', name: 'overwrite' });
    const formTab = h('button', { type: 'button', role: 'tab', 'aria-selected': 'true', onclick: () => switchTo('form') }, 'Form');
    const jsonTab = h('button', { type: 'button', role: 'tab', 'aria-selected': 'false', onclick: () => switchTo('json') }, 'JSON');
    const save = h('button', { type: 'submit', class: 'primary' }, isNew ? 'Create item' : 'Save changes');
    const del = isNew ? null : h('button', { type: 'button', class: 'danger', onclick: () => remove() }, 'Delete item');

    function addRow(name, type, text, isKey, focus) {
      const n = h('input', { class: 'mono', value: name, 'aria-label': 'Attribute name', readonly: isKey && !isNew ? true : undefined, 'data-attr-name': true });
      const t = h('select', { 'aria-label': 'Attribute type', disabled: isKey ? true : undefined }, TYPES.map((x) => h('option', { selected: x === type ? true : undefined }, x)));
      const v = h('textarea', { class: 'mono', 'aria-label': `Value of ${name || 'attribute'}`, spellcheck: 'false', 'data-attr-value': name }, text);
      const x = h('button', { type: 'button', class: 'ghost', 'aria-label': 'Remove attribute', disabled: isKey ? true : undefined, onclick: () => { n.remove(); t.remove(); v.remove(); x.remove(); } }, '✕');
      t.value = type;
      rows.append(n, t, v, x);
      if (focus) n.focus();
    }

    function showForm(it) {
      fill(rows);
      for (const k of keyNames) addRow(k, typeOf(it[k]) ?? attrType(table, k), it[k] ? editText(it[k]) : '', true, false);
      for (const [k, v] of Object.entries(it)) if (!keyNames.includes(k)) addRow(k, typeOf(v), editText(v), false, false);
    }

    /** The item the current view describes; throws a message when it is not valid. */
    function read() {
      if (view === 'json') return parseItemJson(json.value);
      const out = {};
      const cells = [...rows.children];
      for (let i = 0; i < cells.length; i += 4) {
        const name = cells[i].value.trim();
        if (!name) continue;
        if (name in out) throw new Error(`Attribute ${name} appears twice`);
        out[name] = parseTyped(cells[i + 1].value, cells[i + 2].value, name);
      }
      return out;
    }

    function switchTo(next) {
      if (next === view) return;
      errorSlot.replaceChildren();
      let it;
      try {
        it = read();
      } catch (e) {
        errorSlot.append(errorBox(e));
        return;
      }
      view = next;
      if (view === 'json') json.value = JSON.stringify(it, null, 2);
      else showForm(it);
      formView.hidden = view !== 'form';
      jsonView.hidden = view !== 'json';
      formTab.setAttribute('aria-selected', String(view === 'form'));
      jsonTab.setAttribute('aria-selected', String(view === 'json'));
      (view === 'json' ? json : rows.querySelector('textarea'))?.focus();
      if (view === 'json') {
        json.setSelectionRange(0, 0);
        json.scrollTop = 0;
      }
    }

    async function submit() {
      let next;
      try {
        next = read();
      } catch (e) {
        fill(errorSlot, errorBox(e));
        return;
      }
      const ok = await busy(save, errorSlot, async () => {
        if (isNew) {
          const ex = new ExpressionBuilder();
          const input = { TableName: table.TableName, Item: next };
          if (!overwrite.checked) input.ConditionExpression = `attribute_not_exists(${ex.name(keyNames[0])})`;
          await call('PutItem', { ...input, ...ex.fields() });
          return true;
        }
        for (const k of keyNames) if (!same(next[k], original[k])) throw new Error(`The key (${k}) cannot change: create a new item instead`);
        const ex = new ExpressionBuilder();
        const sets = [];
        const removes = [];
        for (const [k, v] of Object.entries(next)) if (!keyNames.includes(k) && !same(v, original[k])) sets.push(`${ex.name(k)} = ${ex.value(v)}`);
        for (const k of Object.keys(original)) if (!(k in next)) removes.push(ex.name(k));
        if (sets.length === 0 && removes.length === 0) return true;
        const update = [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' ');
        await call('UpdateItem', {
          TableName: table.TableName,
          Key: keyOf(original, table.KeySchema),
          UpdateExpression: update,
          ConditionExpression: `attribute_exists(${ex.name(keyNames[0])})`,
          ...ex.fields(),
        });
        return true;
      });
      if (ok) {
        toast(isNew ? 'Item created' : 'Item saved');
        close(true);
      }
    }

    async function remove() {
      if (!confirm('Delete this item?')) return;
      const ok = await busy(del, errorSlot, () => call('DeleteItem', { TableName: table.TableName, Key: keyOf(original, table.KeySchema) }));
      if (ok) {
        toast('Item deleted');
        close(true);
      }
    }

    showForm(original);
    return h('form', { class: 'stack', onsubmit: (e) => { e.preventDefault(); void submit(); } },
      h('div', { class: 'row' }, h('h2', { style: 'margin:0' }, isNew ? `New item in ${table.TableName}` : `Item in ${table.TableName}`), h('span', { class: 'spacer' }),
        h('div', { role: 'tablist', class: 'row' }, formTab, jsonTab)),
      h('p', { class: 'muted', style: 'margin:0' }, 'Sets are JSON arrays (["a","b"]); lists and maps are DynamoDB JSON (L: [{"S":"x"}], M: {"k":{"N":"1"}}).'),
      formView, jsonView,
      isNew ? h('label', { class: 'inline' }, overwrite, 'Overwrite an existing item with this key') : null,
      errorSlot,
      h('div', { class: 'row end' }, del, h('span', { class: 'spacer' }), h('button', { type: 'button', onclick: () => close(false) }, 'Cancel'), save));
  }, { label: isNew ? 'New item' : 'Edit item' });
}
