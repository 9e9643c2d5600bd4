// Collections: list, define (fields with type, required, indexed, pii,
// mask, max_length; the subject field), change (PUT), delete.

import { h, clear, withLoading, table, act, field, confirmDialog } from './lib/ui.js';

const TYPES = ['string', 'integer', 'number', 'boolean', 'datetime', 'object', 'array'];
const MASKS = ['', 'full', 'email', 'phone', 'last4', 'none'];

function fieldRow(name = '', def = {}) {
	const row = h('tr', { class: 'field-row' },
		h('td', { 'data-label': 'Field' }, h('input', { type: 'text', class: 'f-name', value: name, 'aria-label': 'field name', pattern: '[a-z0-9_]{1,63}', required: true })),
		h('td', { 'data-label': 'Type' }, h('select', { class: 'f-type', 'aria-label': 'type' }, TYPES.map((t) => h('option', { value: t, text: t, selected: def.type === t })))),
		h('td', { 'data-label': 'Required' }, h('input', { type: 'checkbox', class: 'f-required', checked: def.required, 'aria-label': 'required' })),
		h('td', { 'data-label': 'Indexed' }, h('input', { type: 'checkbox', class: 'f-indexed', checked: def.indexed, 'aria-label': 'indexed' })),
		h('td', { 'data-label': 'PII' }, h('input', { type: 'checkbox', class: 'f-pii', checked: def.pii, 'aria-label': 'personal data (encrypted)' })),
		h('td', { 'data-label': 'Mask' }, h('select', { class: 'f-mask', 'aria-label': 'mask' }, MASKS.map((m) => h('option', { value: m, text: m || '(default)', selected: (def.mask || '') === m })))),
		h('td', { 'data-label': 'Max length' }, h('input', { type: 'number', min: '1', class: 'f-max', value: def.max_length ?? '', 'aria-label': 'max length' })),
		h('td', {}, h('button', { type: 'button', class: 'secondary', text: 'Remove', 'aria-label': 'remove field', onclick: () => row.remove() })));
	return row;
}

function readFields(tbody) {
	const fields = {};
	for (const row of tbody.querySelectorAll('tr.field-row')) {
		const name = row.querySelector('.f-name').value.trim();
		if (!name) continue;
		const d = { type: row.querySelector('.f-type').value };
		if (row.querySelector('.f-required').checked) d.required = true;
		if (row.querySelector('.f-indexed').checked) d.indexed = true;
		if (row.querySelector('.f-pii').checked) d.pii = true;
		const mask = row.querySelector('.f-mask').value;
		if (mask) d.mask = mask;
		const max = row.querySelector('.f-max').value;
		if (max) d.max_length = Number(max);
		fields[name] = d;
	}
	return fields;
}

export async function render(ctx, main) {
	const side = h('div', { id: 'collection-form' });
	const list = h('div', { id: 'collection-list' });
	clear(main, h('h1', { text: 'Collections' }), side, list);

	async function load() {
		const r = await withLoading(list, () => ctx.api.get('/v1/collections?limit=200'));
		if (!r) return;
		clear(list, table([
			{ label: 'Name', render: (c) => h('a', { href: `#/records/${encodeURIComponent(c.name)}`, text: c.name }) },
			{ label: 'Fields', render: (c) => h('span', { class: 'small', text: Object.entries(c.fields).map(([n, d]) =>
				`${n}: ${d.type}${d.required ? '!' : ''}${d.indexed ? ' indexed' : ''}${d.pii ? ` pii(${d.mask || 'full'})` : ''}`).join(' · ') }) },
			{ label: 'Version', key: 'version' },
			{ label: '', render: (c) => ctx.may('collections:manage') ? h('button', { type: 'button', class: 'secondary', text: 'Change', onclick: () => form(c) }) : '' },
		], r.items, { rowProps: (c) => ({ dataset: { collection: c.name } }), empty: 'No collections yet.' }));
	}

	function form(c) {
		if (!ctx.may('collections:manage')) return clear(side);
		const name = h('input', { type: 'text', name: 'name', required: true, pattern: '[a-z][a-z0-9_]{0,62}', value: c ? c.name : '', disabled: !!c, autocomplete: 'off' });
		const tbody = h('tbody', {});
		if (c) for (const [n, d] of Object.entries(c.fields)) tbody.append(fieldRow(n, d));
		else tbody.append(fieldRow());
		const subject = h('input', { type: 'text', name: 'subject_field', value: c && c.subject_field ? c.subject_field : '', disabled: !!c, autocomplete: 'off' });
		const out = h('div', { class: 'out' });
		const f = h('form', { class: 'card stack', id: c ? 'edit-collection' : 'create-collection' },
			h('h2', { text: c ? `Change ${c.name}` : 'Define a collection' }),
			h('div', { class: 'row' }, field('Name', name), field('Subject field (optional)', subject, 'a string field naming each record\'s data subject; fixed once created')),
			h('div', { class: 'table-wrap' }, h('table', { class: 'fields' },
				h('thead', {}, h('tr', {}, ['Field', 'Type', 'Required', 'Indexed', 'PII', 'Mask', 'Max length', ''].map((t) => h('th', { scope: 'col', text: t })))),
				tbody)),
			h('div', { class: 'actions' },
				h('button', { type: 'button', class: 'secondary', id: 'add-field', text: 'Add a field', onclick: () => { tbody.append(fieldRow()); tbody.lastChild.querySelector('input').focus(); } }),
				h('button', { type: 'submit', text: c ? 'Save' : 'Create collection' }),
				c ? h('button', { type: 'button', class: 'danger', text: 'Delete', onclick: async (ev) => {
					if (!await confirmDialog(`Delete ${c.name} and all its records?`, { typed: c.name, action: 'Delete collection' })) return;
					act(ev.target, out, async () => { await ctx.api.call('DELETE', `/v1/collections/${c.name}`); form(null); load(); });
				} }) : null,
				c ? h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => form(null) }) : null),
			out);
		f.addEventListener('submit', (ev) => {
			ev.preventDefault();
			const body = { fields: readFields(tbody) };
			act(f.querySelector('button[type=submit]'), out, async () => {
				if (c) {
					if (c.subject_field) body.subject_field = c.subject_field;
					await ctx.api.call('PUT', `/v1/collections/${c.name}`, { body, ifMatch: c.version });
				} else {
					body.name = name.value.trim();
					if (subject.value.trim()) body.subject_field = subject.value.trim();
					await ctx.api.call('POST', '/v1/collections', { body });
					form(null);
				}
				load();
			}, c ? 'Collection saved.' : 'Collection created.');
		});
		clear(side, f);
	}

	await load();
	form(null);
}
