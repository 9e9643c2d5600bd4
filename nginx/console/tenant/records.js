// Records browser: pick a collection, filter (indexed fields take every
// operator, the others equality; pii fields equality only), sort on an
// indexed field, keyset pages; view, create, edit and delete a record.
// An edit is a merge patch of the changed fields sent with If-Match: a
// record changed elsewhere first answers 412, and the console shows the
// conflict instead of overwriting.  Values the caller may not read are
// shown as the masks the API sends, marked "masked".

import { h, clear, withLoading, pager, table, act, field, fmt, when, confirmDialog, problemBox } from './lib/ui.js';
import { ApiError, query } from './lib/api.js';

const OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in'];

function masked(ctx, def) {
	return !!(def && def.pii && !ctx.may('pii:read') && def.mask !== 'none');
}

function cell(ctx, def, v) {
	if (masked(ctx, def)) return h('span', { class: 'masked', title: 'masked: you do not hold pii:read' }, fmt(v), ' ', h('span', { class: 'badge', text: 'masked' }));
	return fmt(v);
}

// An input for one field; value() answers the typed value (undefined when
// left empty).
function input(name, def, v, readOnly) {
	let el;
	const t = def.type;
	if (t === 'boolean') el = h('input', { type: 'checkbox', checked: v === true });
	else if (t === 'object' || t === 'array') el = h('textarea', { rows: '3', value: v === undefined ? '' : JSON.stringify(v, null, 1) });
	else if (t === 'integer' || t === 'number') el = h('input', { type: 'number', step: t === 'integer' ? '1' : 'any', value: v ?? '' });
	else el = h('input', { type: 'text', value: v ?? '', maxlength: def.max_length ? String(def.max_length) : null, placeholder: t === 'datetime' ? '2026-12-01T12:00:00Z' : null });
	el.name = `d-${name}`;
	if (def.required) el.required = true;
	if (readOnly) { el.readOnly = true; el.disabled = t === 'boolean'; }
	const value = () => {
		if (t === 'boolean') return el.checked;
		if (el.value === '') return undefined;
		if (t === 'integer' || t === 'number') return Number(el.value);
		if (t === 'object' || t === 'array') {
			try {
				return JSON.parse(el.value);
			} catch {
				throw new ApiError(0, { title: 'Invalid JSON', detail: `${name} is not valid JSON` });
			}
		}
		return el.value;
	};
	return { el, value };
}

export async function render(ctx, main, [cname]) {
	const head = h('div', { id: 'records-head' });
	const panel = h('div', { id: 'record-panel' });
	const list = h('div', { id: 'record-list' });
	clear(main, h('h1', { text: 'Records' }), head, panel, list);
	const cols = await withLoading(head, () => ctx.api.get('/v1/collections?limit=200'));
	if (!cols) return;
	if (cols.items.length === 0) return clear(head, h('p', {}, 'No collections yet. ', h('a', { href: '#/collections', text: 'Define one' })));
	const pick = h('select', { id: 'collection-pick', 'aria-label': 'collection' }, cols.items.map((c) => h('option', { value: c.name, text: c.name, selected: c.name === cname })));
	pick.addEventListener('change', () => ctx.go(`#/records/${encodeURIComponent(pick.value)}`));
	const coll = cols.items.find((c) => c.name === cname) || cols.items[0];
	const fields = coll.fields;
	const names = Object.keys(fields);

	// Filters and sort.
	const fSel = h('select', { id: 'filter-field', 'aria-label': 'filter field' }, h('option', { value: '', text: '(no filter)' }),
		names.filter((n) => !['object', 'array'].includes(fields[n].type)).map((n) => h('option', { value: n, text: `${n}${fields[n].indexed ? ' (indexed)' : ''}` })));
	const opSel = h('select', { id: 'filter-op', 'aria-label': 'operator' }, OPS.map((o) => h('option', { value: o, text: o })));
	const fVal = h('input', { type: 'text', id: 'filter-value', 'aria-label': 'value' });
	const sortSel = h('select', { id: 'sort', 'aria-label': 'sort' }, h('option', { value: '', text: 'creation order' }),
		names.filter((n) => fields[n].indexed && !fields[n].pii).flatMap((n) => [h('option', { value: n, text: `${n} ↑` }), h('option', { value: `-${n}`, text: `${n} ↓` })]));
	const limit = h('select', { id: 'page-size', 'aria-label': 'page size' }, ['10', '20', '50', '100'].map((n) => h('option', { value: n, text: `${n} a page`, selected: n === '20' })));
	const syncOps = () => {
		const d = fields[fSel.value];
		const all = d && d.indexed && !d.pii;
		for (const o of opSel.options) o.disabled = !all && o.value !== 'eq';
		if (!all) opSel.value = 'eq';
	};
	fSel.addEventListener('change', syncOps);
	syncOps();
	const filterForm = h('form', { class: 'filters row', id: 'filters' },
		field('Collection', pick), field('Filter on', fSel), field('Operator', opSel), field('Value', fVal), field('Sort', sortSel), field('Page size', limit),
		h('button', { type: 'submit', text: 'Apply' }),
		ctx.may('records:write') ? h('button', { type: 'button', id: 'new-record', text: 'New record', onclick: () => edit(null) }) : null);
	clear(head, filterForm);

	const params = (cursor) => {
		const q = { limit: limit.value, cursor, sort: sortSel.value };
		if (fSel.value && fVal.value !== '') q[opSel.value === 'eq' ? `filter[${fSel.value}]` : `filter[${fSel.value}][${opSel.value}]`] = fVal.value;
		return query(q);
	};
	const base = `/v1/collections/${encodeURIComponent(coll.name)}/records`;
	const shownNames = names.slice(0, 6);
	const pg = pager(list, (cursor) => ctx.api.get(`${base}${params(cursor)}`), (items) => table(
		[{ label: 'id', render: (r) => h('button', { type: 'button', class: 'link', text: r.id.slice(-12), 'aria-label': `open record ${r.id}`, onclick: () => view(r.id) }) },
			...shownNames.map((n) => ({ label: n, render: (r) => cell(ctx, fields[n], r.data[n]) })),
			{ label: 'version', key: 'version' }, { label: 'updated', render: (r) => when(r.updated_at) }],
		items, { rowProps: (r) => ({ dataset: { id: r.id } }), empty: 'No records match.' }));
	filterForm.addEventListener('submit', (ev) => { ev.preventDefault(); pg.reset(); });

	async function view(id) {
		const r = await withLoading(panel, () => ctx.api.call('GET', `${base}/${id}`));
		if (!r) return;
		show(r.data);
	}

	function show(rec) {
		const out = h('div', { class: 'out' });
		clear(panel, h('section', { class: 'card stack', id: 'record-view', dataset: { id: rec.id, version: String(rec.version) } },
			h('h2', { text: `Record ${rec.id}` }),
			h('dl', { class: 'facts' }, Object.entries(rec.data).flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { dataset: { field: k } }, cell(ctx, fields[k], v))]),
				h('dt', { text: 'version' }), h('dd', { text: String(rec.version) }),
				h('dt', { text: 'created' }), h('dd', { text: `${when(rec.created_at)} by ${rec.created_by || '—'}` }),
				h('dt', { text: 'updated' }), h('dd', { text: when(rec.updated_at) })),
			h('div', { class: 'actions' },
				ctx.may('records:write') ? h('button', { type: 'button', id: 'edit-record', text: 'Edit', onclick: () => edit(rec) }) : null,
				ctx.may('records:delete') ? h('button', { type: 'button', class: 'danger', text: 'Delete', onclick: async (ev) => {
					if (!await confirmDialog(`Delete record ${rec.id}?`, { action: 'Delete record' })) return;
					act(ev.target, out, async () => { await ctx.api.call('DELETE', `${base}/${rec.id}`, { ifMatch: rec.version }); clear(panel); pg.reload(); });
				} }) : null,
				h('button', { type: 'button', class: 'secondary', text: 'Close', onclick: () => clear(panel) })),
			out));
	}

	function edit(rec) {
		const inputs = {};
		const out = h('div', { class: 'out', id: 'record-out' });
		const rows = names.map((n) => {
			const ro = rec && masked(ctx, fields[n]);
			inputs[n] = input(n, fields[n], rec ? rec.data[n] : undefined, ro);
			return field(`${n} (${fields[n].type}${fields[n].required ? ', required' : ''}${fields[n].pii ? ', personal data' : ''})`, inputs[n].el,
				ro ? 'masked: you do not hold pii:read, so it is kept as it is' : null);
		});
		const f = h('form', { class: 'card stack', id: 'record-form', dataset: rec ? { id: rec.id, version: String(rec.version) } : {} },
			h('h2', { text: rec ? `Edit ${rec.id} (version ${rec.version})` : `New record in ${coll.name}` }), rows,
			h('div', { class: 'actions' }, h('button', { type: 'submit', text: rec ? 'Save' : 'Create' }),
				h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => rec ? show(rec) : clear(panel) })),
			out);
		f.addEventListener('submit', (ev) => {
			ev.preventDefault();
			act(f.querySelector('button[type=submit]'), out, async () => {
				if (!rec) {
					const data = {};
					for (const n of names) { const v = inputs[n].value(); if (v !== undefined) data[n] = v; }
					const r = await ctx.api.call('POST', base, { body: { data } });
					pg.reload();
					show(r.data);
					return;
				}
				const patch = {};
				for (const n of names) {
					if (masked(ctx, fields[n])) continue;
					const v = inputs[n].value();
					const was = rec.data[n];
					if (JSON.stringify(v) === JSON.stringify(was)) continue;
					patch[n] = v === undefined ? null : v;
				}
				try {
					const r = await ctx.api.call('PATCH', `${base}/${rec.id}`, { body: { data: patch }, ifMatch: rec.version, contentType: 'application/merge-patch+json' });
					pg.reload();
					show(r.data);
				} catch (e) {
					if (e instanceof ApiError && e.status === 412) return conflict(rec, out, e);
					throw e;
				}
			});
		});
		clear(panel, f);
		const first = f.querySelector('input:not([readonly]), textarea:not([readonly])');
		if (first) first.focus();
	}

	// 412: somebody else saved first.  Nothing was written; the form keeps
	// the user's edits, and the current version is shown beside them.
	async function conflict(rec, out, err) {
		let theirs = null;
		try {
			theirs = (await ctx.api.call('GET', `${base}/${rec.id}`)).data;
		} catch {
			theirs = null;
		}
		clear(out, h('div', { class: 'conflict', role: 'alert', id: 'conflict' },
			h('strong', { text: 'Conflict: this record was changed by someone else after you opened it.' }),
			h('p', { text: `Your changes were not saved (you edited version ${rec.version}${theirs ? `, it is now at version ${theirs.version}` : ''}). Nothing was overwritten.` }),
			problemBox(err),
			theirs ? h('details', { open: true }, h('summary', { text: 'The current version' }), h('pre', { text: JSON.stringify(theirs.data, null, 2) })) : null,
			theirs ? h('button', { type: 'button', class: 'secondary', text: 'Discard my changes and edit the current version', onclick: () => edit(theirs) }) : null));
	}
}
