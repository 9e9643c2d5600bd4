// DOM helpers of the console.  Everything is built with createElement and
// textContent: no HTML string from the API (or anywhere) is ever parsed, and
// no inline style or script exists (the CSP forbids both).

import { ApiError } from './api.js';

// h('button', {class: 'x', onclick: f, type: 'button'}, 'text', child...)
export function h(tag, props = {}, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(props || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
		else if (k === 'class') el.className = v;
		else if (k === 'text') el.textContent = v;
		else if (k === 'value') el.value = v;
		else if (k === 'checked') el.checked = !!v;
		else if (k === 'dataset') Object.assign(el.dataset, v);
		else el.setAttribute(k, v === true ? '' : String(v));
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c === undefined || c === null || c === false) continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
}

export function clear(el, ...children) {
	el.replaceChildren();
	append(el, children);
	return el;
}

const SVG = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs = {}, ...children) {
	const el = document.createElementNS(SVG, tag);
	for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
	for (const c of children) el.append(c);
	return el;
}

// A problem+json answer (or any error) as a block: title, detail, each
// field error, the request id.
export function problemBox(err) {
	const e = err instanceof ApiError ? err : new ApiError(0, { title: 'Error', detail: String(err && err.message || err) });
	return h('div', { class: 'problem', role: 'alert', dataset: { status: String(e.status), code: e.code } },
		h('strong', { class: 'problem-title', text: e.title }),
		e.status ? h('span', { class: 'problem-status', text: ` (${e.status}${e.code ? ' ' + e.code : ''})` }) : null,
		e.detail ? h('p', { class: 'problem-detail', text: e.detail }) : null,
		e.errors.length ? h('ul', { class: 'problem-errors' },
			e.errors.map((x) => h('li', {}, h('code', { text: x.field || '' }), ' ', x.message || ''))) : null,
		e.requestId ? h('p', { class: 'muted small', text: `request id ${e.requestId}` }) : null);
}

export function loading(text = 'Loading…') {
	return h('p', { class: 'loading', role: 'status', 'aria-live': 'polite' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

// Runs fn with a loading state in `where`; an error replaces it by the
// problem.  Answers fn's value, or undefined after an error.
export async function withLoading(where, fn) {
	clear(where, loading());
	try {
		const v = await fn();
		if (where.querySelector(':scope > .loading')) where.querySelector(':scope > .loading').remove();
		return v;
	} catch (e) {
		clear(where, problemBox(e));
		return undefined;
	}
}

// A status line for the result of an action (polite live region).
export function notice(where, text, kind = 'ok') {
	clear(where, h('p', { class: `notice ${kind}`, role: 'status', text }));
}

// Runs an action from a button: disabled while it runs; its error goes to
// `out` (problem box), its success message (okText) too.
export async function act(button, out, fn, okText) {
	if (button) button.disabled = true;
	const busy = loading('Working…');
	if (out) clear(out, busy);
	try {
		const v = await fn();
		// fn may have shown something in `out` itself (a conflict): only
		// the loading line is taken away then.
		if (out && okText) notice(out, typeof okText === 'function' ? okText(v) : okText);
		else busy.remove();
		return v;
	} catch (e) {
		if (out) clear(out, problemBox(e));
		return undefined;
	} finally {
		if (button) button.disabled = false;
	}
}

export function table(columns, rows, opts = {}) {
	return h('div', { class: 'table-wrap' },
		h('table', { class: opts.class || '' },
			opts.caption ? h('caption', { text: opts.caption }) : null,
			h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', text: c.label })))),
			h('tbody', {}, rows.length === 0
				? h('tr', {}, h('td', { colspan: columns.length, class: 'muted', text: opts.empty || 'Nothing here yet.' }))
				: rows.map((r) => h('tr', opts.rowProps ? opts.rowProps(r) : {},
					columns.map((c) => h('td', { 'data-label': c.label }, c.render ? c.render(r) : fmt(r[c.key]))))))));
}

export function fmt(v) {
	if (v === null || v === undefined) return '—';
	if (typeof v === 'object') return JSON.stringify(v);
	return String(v);
}

export function when(ts) {
	if (!ts) return '—';
	const d = new Date(ts);
	return Number.isNaN(d.getTime()) ? ts : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

// A keyset pager: load(cursor) → {items, next_cursor}; render(items) → Node.
// "Previous" walks back the cursors seen.  Answers {reload, reset}.
export function pager(where, load, render) {
	const trail = [];
	let cursor = null;
	const body = h('div', { class: 'pager-body' });
	const prev = h('button', { type: 'button', class: 'secondary', text: '← Previous', onclick: () => { cursor = trail.pop() || null; show(); } });
	const next = h('button', { type: 'button', class: 'secondary', text: 'Next →' });
	const pos = h('span', { class: 'muted small' });
	let nextCursor = null;
	next.addEventListener('click', () => { trail.push(cursor); cursor = nextCursor; show(); });
	async function show() {
		prev.disabled = next.disabled = true;
		const page = await withLoading(body, () => load(cursor));
		if (!page) return;
		clear(body, render(page.items || []));
		nextCursor = page.next_cursor || null;
		prev.disabled = trail.length === 0;
		next.disabled = !nextCursor;
		pos.textContent = `page ${trail.length + 1}`;
	}
	clear(where, body, h('nav', { class: 'pager', 'aria-label': 'pages' }, prev, pos, next));
	show();
	// reload: this page again (after a change); reset: back to the first
	// page (after new filters).
	return { reload: show, reset: () => { trail.length = 0; cursor = null; return show(); } };
}

// A modal confirmation.  With `typed`, the user must type that text (the
// confirm button stays disabled until it matches).  Answers a promise of
// true/false.
export function confirmDialog(message, { typed = null, action = 'Confirm', danger = true } = {}) {
	return new Promise((resolve) => {
		const input = typed ? h('input', { type: 'text', 'aria-label': `type ${typed} to confirm`, autocomplete: 'off', class: 'confirm-typed' }) : null;
		const ok = h('button', { type: 'submit', class: danger ? 'danger' : '', text: action, disabled: !!typed });
		const cancel = h('button', { type: 'button', class: 'secondary', text: 'Cancel' });
		const form = h('form', { method: 'dialog' },
			h('p', { text: message }),
			typed ? h('label', {}, `Type `, h('code', { text: typed }), ' to confirm', input) : null,
			h('div', { class: 'actions' }, ok, cancel));
		const dlg = h('dialog', { class: 'confirm', 'aria-modal': 'true' }, form);
		let answer = false;
		if (input) input.addEventListener('input', () => { ok.disabled = input.value !== typed; });
		form.addEventListener('submit', (ev) => { ev.preventDefault(); if (!typed || input.value === typed) { answer = true; dlg.close(); } });
		cancel.addEventListener('click', () => dlg.close());
		dlg.addEventListener('close', () => { dlg.remove(); resolve(answer); });
		document.body.append(dlg);
		dlg.showModal();
		(input || ok).focus();
	});
}

// A labelled form control.
export function field(label, control, hint) {
	const id = control.id || `f-${Math.random().toString(36).slice(2, 10)}`;
	control.id = id;
	return h('div', { class: 'field' },
		h('label', { for: id, text: label }), control,
		hint ? h('small', { class: 'muted', text: hint }) : null);
}

// Permission checkboxes: a permission the signed-in user lacks is shown,
// disabled, with the reason (nobody grants what they lack).
export function permissionBoxes(all, held, checked = [], name = 'perm') {
	return h('fieldset', { class: 'perms' }, h('legend', { text: 'Permissions' }),
		all.map((p) => {
			const may = held.includes(p);
			return h('label', { class: may ? 'perm' : 'perm lacking', title: may ? '' : 'you do not hold this permission, so you cannot grant it' },
				h('input', { type: 'checkbox', name, value: p, checked: checked.includes(p), disabled: !may }),
				' ', p, may ? null : h('span', { class: 'badge', text: 'not yours to grant' }));
		}));
}

export function checkedValues(root, name = 'perm') {
	return [...root.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
}

export function copyButton(text) {
	const b = h('button', { type: 'button', class: 'secondary', text: 'Copy' });
	b.addEventListener('click', async () => {
		try {
			await navigator.clipboard.writeText(text);
			b.textContent = 'Copied';
		} catch {
			b.textContent = 'Select and copy';
		}
	});
	return b;
}
