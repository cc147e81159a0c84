/**
 * @module console/dom
 * The console's whole "framework": h() builds elements, plus toasts,
 * error boxes, dialogs and a data table. Pages build their DOM afresh on
 * each render; none is big enough to need diffing.
 */

/**
 * h('button', { class: 'primary', onclick: fn }, 'Save') → element.
 * Attributes starting with "on" become listeners; `false`/null/undefined
 * attributes and children are left out; arrays of children are flattened.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = Boolean(v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces an element's content. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A short message in the corner. */
export function toast(text, bad = false) {
  const box = document.getElementById('toasts');
  const t = h('div', { class: bad ? 'toast bad' : 'toast', role: bad ? 'alert' : 'status' }, text);
  box.append(t);
  setTimeout(() => t.remove(), bad ? 7000 : 3500);
}

/** An API error as the console shows it: DynamoDB's type and message, verbatim. */
export function errorBox(err) {
  if (err?.type) return h('div', { class: 'error', role: 'alert', 'data-error-type': err.type }, h('b', {}, err.type), err.message && err.message !== err.type ? `: ${err.message}` : '');
  return h('div', { class: 'error', role: 'alert' }, String(err?.message ?? err));
}

/**
 * Runs `fn` with the button disabled, putting any error into `errorSlot`
 * (an element, emptied first). Returns fn's result, or undefined on error.
 */
export async function busy(button, errorSlot, fn) {
  if (button) button.disabled = true;
  if (errorSlot) errorSlot.replaceChildren();
  try {
    return await fn();
  } catch (e) {
    if (errorSlot) errorSlot.append(errorBox(e));
    else toast(`${e.type ? `${e.type}: ` : ''}${e.message}`, true);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

/**
 * A modal dialog (the native <dialog>: Esc closes it, focus stays inside).
 * `build(close)` returns its content. Resolves with what close() was given.
 */
export function openDialog(build, { label } = {}) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { 'aria-label': label ?? 'Dialog' });
    let result;
    const close = (value) => {
      result = value;
      dialog.close();
    };
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(result);
    });
    dialog.append(build(close));
    document.body.append(dialog);
    dialog.showModal();
    const first = dialog.querySelector('[autofocus], input, select, textarea, button');
    first?.focus();
  });
}

/**
 * A table of rows. columns: [{ label, value(row) → node|string, num? }].
 * onOpen(row): Enter or a click on a row opens it (rows are focusable).
 */
export function dataTable(columns, rows, { onOpen, empty = 'Nothing here.', label } = {}) {
  if (rows.length === 0) return h('p', { class: 'muted' }, empty);
  const body = rows.map((row) => {
    const tr = h('tr', onOpen ? { tabindex: '0' } : {}, columns.map((c) => h('td', { class: c.num ? 'num' : undefined }, c.value(row))));
    if (onOpen) {
      tr.addEventListener('click', (e) => {
        if (!(e.target instanceof HTMLElement && e.target.closest('a,button,input'))) onOpen(row);
      });
      tr.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' && e.target === tr) onOpen(row);
        if (e.key === 'ArrowDown') tr.nextElementSibling?.focus();
        if (e.key === 'ArrowUp') tr.previousElementSibling?.focus();
      });
    }
    return tr;
  });
  return h('div', { class: 'scroll' }, h('table', { class: 'data', 'aria-label': label }, h('thead', {}, h('tr', {}, columns.map((c) => h('th', {}, c.label)))), h('tbody', {}, body)));
}

/** 1234567 → "1.2 MB". */
export function formatBytes(n) {
  if (n === undefined || n === null) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = Number(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function formatTime(epochSeconds) {
  if (epochSeconds === undefined || epochSeconds === null) return '';
  return new Date(Number(epochSeconds) * 1000).toLocaleString();
}

export function badge(text, kind) {
  return h('span', { class: `badge ${kind ?? ''}` }, text);
}

export function statusBadge(status) {
  const kind = status === 'ACTIVE' || status === 'ENABLED' ? 'ok' : status === 'DELETING' || status === 'DISABLED' ? 'bad' : 'warn';
  return badge(status ?? '—', kind);
}
