// Settings: a form generated from the settings schema (docs/config.md,
// "The schema"), the raw JSON, the version history, a diff between any two
// versions, and restore.  Writes are PUT /v1/config with If-Match: a change
// made elsewhere first is a 412 shown as it is.

import { h, clear, withLoading, pager, table, act, field, when, confirmDialog, problemBox } from './lib/ui.js';
import { ApiError, query } from './lib/api.js';

// The documented schema, member by member (path, type, hint).  Members
// not listed (auth.oidc among them) are edited in the raw JSON view and
// kept as they are by the form.
const SCHEMA = [
	['display_name', 'string', 'shown by clients, at most 200 bytes'],
	['locale', 'string', 'll or ll-CC'],
	['branding.primary_color', 'color', '#rrggbb'],
	['branding.secondary_color', 'color', '#rrggbb'],
	['branding.logo_url', 'url', 'https URL, or empty for none'],
	['features', 'flags', 'one flag a line: name=true or name=false'],
	['limits.requests_per_second', 'integer', 'at most the plan\'s'],
	['limits.burst', 'integer', 'at most the plan\'s'],
	['limits.max_records', 'integer', 'at most the plan\'s'],
	['limits.max_collections', 'integer', 'at most the plan\'s'],
	['auth.access_token_ttl', 'integer', 'seconds, 60–86400'],
	['auth.refresh_token_ttl', 'integer', 'seconds, 300–31536000'],
	['auth.password_min_length', 'integer', '8–128'],
	['auth.lockout_threshold', 'integer', 'failed logins before a lock, 1–100'],
	['auth.lockout_window', 'integer', 'seconds, 60–86400'],
	['cors.allowed_origins', 'lines', 'one origin a line, scheme://host[:port]'],
	['domains', 'lines', 'one host name a line'],
	['retention.audit_days', 'integer', 'only lengthened; never below the floor'],
	['retention.collections', 'json', 'collection → days, as JSON'],
];

const get = (o, path) => path.split('.').reduce((a, k) => (a && typeof a === 'object' ? a[k] : undefined), o);
function set(o, path, v) {
	const ks = path.split('.');
	let a = o;
	for (const k of ks.slice(0, -1)) { if (!a[k] || typeof a[k] !== 'object') a[k] = {}; a = a[k]; }
	if (v === undefined) delete a[ks[ks.length - 1]];
	else a[ks[ks.length - 1]] = v;
}

function control(path, type, v) {
	const id = `s-${path.replace(/\./g, '-')}`;
	if (type === 'integer') return h('input', { type: 'number', step: '1', id, value: v ?? '' });
	if (type === 'lines') return h('textarea', { id, rows: '2', value: (v || []).join('\n') });
	if (type === 'flags') return h('textarea', { id, rows: '2', value: Object.entries(v || {}).map(([k, b]) => `${k}=${b}`).join('\n') });
	if (type === 'json') return h('textarea', { id, rows: '2', value: JSON.stringify(v ?? {}) });
	return h('input', { type: 'text', id, value: v ?? '' });
}

function read(type, el, path) {
	const s = el.value.trim();
	if (type === 'integer') return s === '' ? undefined : Number(s);
	if (type === 'lines') return s ? s.split(/\s*\n\s*/) : [];
	if (type === 'flags') {
		const o = {};
		for (const line of s.split('\n').map((x) => x.trim()).filter(Boolean)) {
			const [k, b] = line.split('=').map((x) => x.trim());
			o[k] = b !== 'false';
		}
		return o;
	}
	if (type === 'json') {
		try {
			return s ? JSON.parse(s) : {};
		} catch {
			throw new ApiError(0, { title: 'Invalid JSON', detail: `${path} is not valid JSON` });
		}
	}
	if (type === 'url') return s || null;
	return s;
}

// Flattened differences of two settings objects: [{path, a, b}].
export function diff(a, b, prefix = '') {
	const out = [];
	const keys = new Set([...Object.keys(a || {}), ...Object.keys(b || {})]);
	for (const k of [...keys].sort()) {
		const p = prefix ? `${prefix}.${k}` : k;
		const x = a ? a[k] : undefined, y = b ? b[k] : undefined;
		const objs = x && y && typeof x === 'object' && typeof y === 'object' && !Array.isArray(x) && !Array.isArray(y);
		if (objs) out.push(...diff(x, y, p));
		else if (JSON.stringify(x) !== JSON.stringify(y)) out.push({ path: p, a: x, b: y });
	}
	return out;
}

export async function render(ctx, main) {
	const formBox = h('section', { class: 'card', id: 'settings-form' });
	const rawBox = h('section', { class: 'card', id: 'settings-raw' });
	const histBox = h('section', { class: 'card', id: 'settings-history' });
	const diffBox = h('section', { class: 'card', id: 'settings-diff' });
	clear(main, h('h1', { text: 'Settings' }), formBox, rawBox, histBox, diffBox);
	const canWrite = ctx.may('config:write');
	let cur;
	let hist;

	async function load() {
		const r = await withLoading(formBox, () => ctx.api.call('GET', '/v1/config'));
		if (!r) return;
		cur = r.data;
		drawForm();
		drawRaw();
		if (hist) hist.reload();
	}

	async function save(settings, comment, out, button) {
		return act(button, out, async () => {
			await ctx.api.call('PUT', '/v1/config', { body: { settings, comment: comment || undefined }, ifMatch: cur.version });
			await load();
		}, 'Saved: a new version was written.');
	}

	function drawForm() {
		const ctrls = {};
		const out = h('div', { class: 'out' });
		const comment = h('input', { type: 'text', id: 's-comment', maxlength: '200' });
		const f = h('form', { class: 'stack' },
			h('h2', { text: `Current settings (version ${cur.version})` }),
			h('p', { class: 'muted small', text: `updated ${when(cur.updated_at)}${cur.comment ? ` — “${cur.comment}”` : ''}` }),
			h('div', { class: 'settings-grid' }, SCHEMA.map(([path, type, hint]) => {
				ctrls[path] = control(path, type, get(cur.settings, path));
				if (!canWrite) ctrls[path].disabled = true;
				return field(path, ctrls[path], hint);
			})),
			canWrite ? field('Comment (optional)', comment) : null,
			canWrite ? h('button', { type: 'submit', id: 'settings-save', text: 'Save settings' }) : null, out);
		f.addEventListener('submit', (ev) => {
			ev.preventDefault();
			let next;
			try {
				next = structuredClone(cur.settings);
				for (const [path, type] of SCHEMA) set(next, path, read(type, ctrls[path], path));
			} catch (e) {
				return clear(out, problemBox(e));
			}
			save(next, comment.value.trim(), out, f.querySelector('button[type=submit]'));
		});
		clear(formBox, f);
	}

	function drawRaw() {
		const ta = h('textarea', { id: 'settings-json', rows: '14', spellcheck: 'false', value: JSON.stringify(cur.settings, null, 2), readonly: !canWrite });
		const out = h('div', { class: 'out' });
		const f = h('form', { class: 'stack' }, h('h2', { text: 'Raw JSON' }), field('settings', ta),
			canWrite ? h('button', { type: 'submit', class: 'secondary', text: 'Save the JSON' }) : null, out);
		f.addEventListener('submit', (ev) => {
			ev.preventDefault();
			let s;
			try {
				s = JSON.parse(ta.value);
			} catch (e) {
				return clear(out, problemBox(new ApiError(0, { title: 'Invalid JSON', detail: e.message })));
			}
			save(s, 'raw JSON edit', out, f.querySelector('button[type=submit]'));
		});
		clear(rawBox, f);
	}

	// History with a choice of A and B for the diff, and restore.
	const histList = h('div', {});
	const histOut = h('div', { class: 'out' });
	clear(histBox, h('h2', { text: 'Version history' }), histOut, histList);
	hist = pager(histList, (cursor) => ctx.api.get(`/v1/config/versions${query({ limit: 10, cursor })}`), (items) =>
		h('form', { id: 'diff-pick' }, table([
			{ label: 'A', render: (v) => h('input', { type: 'radio', name: 'diff-a', value: String(v.version), 'aria-label': `version ${v.version} as A` }) },
			{ label: 'B', render: (v) => h('input', { type: 'radio', name: 'diff-b', value: String(v.version), 'aria-label': `version ${v.version} as B` }) },
			{ label: 'Version', key: 'version' },
			{ label: 'When', render: (v) => when(v.updated_at) },
			{ label: 'By', render: (v) => v.updated_by || '—' },
			{ label: 'Comment', render: (v) => v.comment || (v.restored_from ? `restored from ${v.restored_from}` : '—') },
			{ label: '', render: (v) => canWrite && cur && v.version !== cur.version ? h('button', { type: 'button', class: 'secondary', text: 'Restore', dataset: { restore: String(v.version) }, onclick: async (ev) => {
				if (!await confirmDialog(`Restore the settings of version ${v.version}? A new version is written.`, { action: 'Restore', danger: false })) return;
				act(ev.target, histOut, async () => { await ctx.api.call('POST', `/v1/config/versions/${v.version}/restore`); await load(); }, `Version ${v.version} restored.`);
			} }) : '' },
		], items, { rowProps: (v) => ({ dataset: { version: String(v.version) } }) }),
		h('button', { type: 'button', id: 'diff-show', text: 'Compare A and B', onclick: () => compare() })));

	async function compare() {
		const a = histBox.querySelector('input[name=diff-a]:checked');
		const b = histBox.querySelector('input[name=diff-b]:checked');
		if (!a || !b) return clear(diffBox, h('p', { class: 'notice warn', text: 'Choose a version as A and one as B.' }));
		const pair = await withLoading(diffBox, () => Promise.all([a.value, b.value].map((n) => ctx.api.get(`/v1/config/versions/${n}`))));
		if (!pair) return;
		const d = diff(pair[0].settings, pair[1].settings);
		clear(diffBox, h('h2', { text: `Version ${a.value} → version ${b.value}` }),
			d.length === 0 ? h('p', { class: 'muted', text: 'The two versions have the same settings.' })
				: table([{ label: 'Setting', render: (x) => h('code', { text: x.path }) },
					{ label: `Version ${a.value}`, render: (x) => h('span', { class: 'del', text: x.a === undefined ? '(absent)' : JSON.stringify(x.a) }) },
					{ label: `Version ${b.value}`, render: (x) => h('span', { class: 'ins', text: x.b === undefined ? '(absent)' : JSON.stringify(x.b) }) }],
				d, { class: 'diff', rowProps: (x) => ({ dataset: { path: x.path } }) }));
	}
	await load();
}
