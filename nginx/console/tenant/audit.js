// Audit log: filters by actor, action and time (GET /v1/audit, newest
// first, keyset pages), and "verify the chain" (GET /v1/audit/verify).

import { h, clear, withLoading, pager, when } from './lib/ui.js';
import { auditTable, auditFilters } from './lib/audit.js';
import { query } from './lib/api.js';
import { chainStatus } from './overview.js';

export async function render(ctx, main) {
	const verifyBox = h('section', { class: 'card', id: 'audit-verify' });
	const list = h('div', { id: 'audit-list' });
	const filters = auditFilters(() => pg.reset());
	const verify = h('button', { type: 'button', id: 'verify-chain', text: 'Verify the chain' });
	verify.addEventListener('click', async () => {
		verify.disabled = true;
		const v = await withLoading(verifyBox, () => ctx.api.get('/v1/audit/verify'));
		verify.disabled = false;
		if (v) clear(verifyBox, h('h2', { text: 'Chain verification' }), chainStatus(v), h('p', { class: 'muted small', text: `checked ${when(new Date().toISOString())}` }));
	});
	clear(main, h('h1', { text: 'Audit log' }), h('div', { class: 'actions' }, verify), verifyBox, filters, list);
	verifyBox.append(h('p', { class: 'muted', text: 'Every event is chained to the one before by a hash; verification recomputes the chain.' }));
	const pg = pager(list, (cursor) => ctx.api.get(`/v1/audit${query({ ...filters.values(), limit: 25, cursor })}`), auditTable);
}
