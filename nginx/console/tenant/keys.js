// API keys: create (the key is shown once, with a copy button), list,
// revoke.  A key cannot carry a permission its creator lacks.

import { h, clear, pager, table, act, field, when, permissionBoxes, checkedValues, confirmDialog, copyButton } from './lib/ui.js';
import { query, PERMISSIONS } from './lib/api.js';

export async function render(ctx, main) {
	const side = h('div', { id: 'key-form' });
	const shown = h('div', { id: 'key-shown', 'aria-live': 'polite' });
	const list = h('div', { id: 'key-list' });
	clear(main, h('h1', { text: 'API keys' }), side, shown, list);
	let all = PERMISSIONS;
	if (ctx.may('users:read')) {
		try {
			const owner = (await ctx.api.get('/v1/roles?limit=200')).items.find((r) => r.name === 'owner');
			if (owner) all = owner.permissions;
		} catch {
			// the static list stays
		}
	}
	const pg = pager(list, (cursor) => ctx.api.get(`/v1/api-keys${query({ limit: 20, cursor })}`), (items) =>
		table([
			{ label: 'Name', key: 'name' },
			{ label: 'Prefix', render: (k) => h('code', { class: 'small', text: k.prefix }) },
			{ label: 'Permissions', render: (k) => h('span', { class: 'small', text: k.permissions.join(', ') }) },
			{ label: 'Created', render: (k) => when(k.created_at) },
			{ label: 'Last used', render: (k) => when(k.last_used_at) },
			{ label: 'Status', render: (k) => k.revoked_at ? h('span', { class: 'badge disabled', text: 'revoked' }) : h('span', { class: 'badge active', text: 'active' }) },
			{ label: '', render: (k) => k.revoked_at ? '' : h('button', { type: 'button', class: 'danger', text: 'Revoke', onclick: async (ev) => {
				if (!await confirmDialog(`Revoke the key ${k.name}? Clients using it are refused at once.`, { action: 'Revoke' })) return;
				act(ev.target, shown, async () => { await ctx.api.call('DELETE', `/v1/api-keys/${k.id}`); pg.reload(); }, `Key ${k.name} revoked.`);
			} }) },
		], items, { rowProps: (k) => ({ dataset: { key: k.name, state: k.revoked_at ? 'revoked' : 'active' } }) }));

	const name = h('input', { type: 'text', name: 'name', required: true, maxlength: '200', autocomplete: 'off' });
	const expires = h('input', { type: 'datetime-local', name: 'expires' });
	const out = h('div', { class: 'out' });
	const f = h('form', { class: 'card stack', id: 'create-key' },
		h('h2', { text: 'Create a key' }),
		h('div', { class: 'row' }, field('Name', name), field('Expires (optional, UTC)', expires)),
		permissionBoxes(all, ctx.me.permissions, []),
		h('button', { type: 'submit', text: 'Create key' }), out);
	f.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const body = { name: name.value.trim(), permissions: checkedValues(f) };
		if (expires.value) body.expires_at = new Date(`${expires.value}Z`).toISOString();
		act(f.querySelector('button[type=submit]'), out, async () => {
			const r = await ctx.api.call('POST', '/v1/api-keys', { body });
			f.reset();
			const keyText = h('input', { type: 'text', readonly: true, value: r.data.key, class: 'secret', id: 'new-key', 'aria-label': 'the new key' });
			clear(shown, h('div', { class: 'card once' },
				h('p', {}, h('strong', { text: 'Copy this key now. ' }), 'It is shown once and never again.'),
				h('div', { class: 'row' }, keyText, copyButton(r.data.key),
					h('button', { type: 'button', class: 'secondary', text: 'Done', onclick: () => clear(shown) }))));
			keyText.select();
			pg.reload();
		});
	});
	clear(side, f);
}
