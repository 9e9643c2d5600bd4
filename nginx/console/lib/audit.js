// The audit log's table and filters, shared by the tenant console
// (GET /v1/audit) and the operator console (GET /v1/platform/audit).

import { h, table, field, when, fmt } from './ui.js';

// datetime-local (read as UTC) → RFC 3339.
const rfc3339 = (v) => (v ? new Date(`${v}Z`).toISOString() : '');

export function auditTable(items) {
	return table([
		{ label: 'Seq', key: 'seq' },
		{ label: 'When', render: (e) => when(e.at) },
		{ label: 'Actor', render: (e) => `${e.actor.type}${e.actor.id ? ' ' + e.actor.id : ''}` },
		{ label: 'Action', render: (e) => h('code', { text: e.action }) },
		{ label: 'Target', render: (e) => e.target && e.target.type ? `${e.target.type} ${e.target.id || ''}` : '—' },
		{ label: 'Outcome', render: (e) => h('span', { class: `badge ${e.outcome}`, text: e.outcome }) },
		{ label: 'Details', render: (e) => h('span', { class: 'small', text: fmt(e.details) }) },
	], items, { rowProps: (e) => ({ dataset: { action: e.action } }), empty: 'No events match.' });
}

export function auditFilters(onApply) {
	const actor = h('input', { type: 'text', id: 'audit-actor', autocomplete: 'off' });
	const action = h('input', { type: 'text', id: 'audit-action', autocomplete: 'off' });
	const since = h('input', { type: 'datetime-local', id: 'audit-since' });
	const until = h('input', { type: 'datetime-local', id: 'audit-until' });
	const f = h('form', { class: 'filters row', id: 'audit-filters' },
		field('Actor id', actor), field('Action', action, 'exact, or a prefix ending in "." (auth.)'),
		field('Since (UTC)', since), field('Until (UTC)', until), h('button', { type: 'submit', text: 'Apply' }));
	f.addEventListener('submit', (ev) => { ev.preventDefault(); onApply(); });
	f.values = () => ({ actor: actor.value.trim(), action: action.value.trim(), since: rfc3339(since.value), until: rfc3339(until.value) });
	return f;
}
