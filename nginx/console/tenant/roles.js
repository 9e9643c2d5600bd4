// Roles: built-in roles are shown; custom roles are created and edited as
// permission checkboxes.  A permission the signed-in user lacks is shown but
// cannot be ticked (nobody grants what they lack; the API refuses it too).

import { h, clear, withLoading, table, act, field, permissionBoxes, checkedValues, confirmDialog } from './lib/ui.js';
import { PERMISSIONS } from './lib/api.js';

export async function render(ctx, main) {
	const side = h('div', { id: 'role-form' });
	const list = h('div', { id: 'role-list' });
	clear(main, h('h1', { text: 'Roles' }), side, list);
	let all = PERMISSIONS;

	async function load() {
		const r = await withLoading(list, () => ctx.api.get('/v1/roles?limit=200'));
		if (!r) return;
		const owner = r.items.find((x) => x.name === 'owner');
		if (owner) all = owner.permissions;
		clear(list, table([
			{ label: 'Role', key: 'name' },
			{ label: 'Kind', render: (x) => x.builtin ? 'built-in' : 'custom' },
			{ label: 'Permissions', render: (x) => h('span', { class: 'small', text: x.permissions.join(', ') }) },
			{ label: '', render: (x) => !x.builtin && ctx.may('roles:manage') ? h('button', { type: 'button', class: 'secondary', text: 'Edit', onclick: () => form(x) }) : '' },
		], r.items, { rowProps: (x) => ({ dataset: { role: x.name } }) }));
	}

	function form(role) {
		if (!ctx.may('roles:manage')) return clear(side);
		const name = h('input', { type: 'text', name: 'name', required: true, pattern: '[a-z0-9_\\-]+', value: role ? role.name : '', disabled: !!role });
		const out = h('div', { class: 'out' });
		const f = h('form', { class: 'card stack', id: role ? 'edit-role' : 'create-role' },
			h('h2', { text: role ? `Edit role ${role.name}` : 'Create a custom role' }),
			role ? null : field('Name', name, 'lower-case letters, digits, - and _'),
			permissionBoxes(all, ctx.me.permissions, role ? role.permissions : []),
			h('div', { class: 'actions' },
				h('button', { type: 'submit', text: role ? 'Save' : 'Create role' }),
				role ? h('button', { type: 'button', class: 'danger', text: 'Delete', onclick: async (ev) => {
					if (!await confirmDialog(`Delete the role ${role.name}?`, { action: 'Delete role' })) return;
					act(ev.target, out, async () => { await ctx.api.call('DELETE', `/v1/roles/${role.name}`); form(null); load(); });
				} }) : null,
				role ? h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => form(null) }) : null),
			out);
		f.addEventListener('submit', (ev) => {
			ev.preventDefault();
			const perms = checkedValues(f);
			act(f.querySelector('button[type=submit]'), out, async () => {
				if (role) await ctx.api.call('PATCH', `/v1/roles/${role.name}`, { body: { permissions: perms } });
				else await ctx.api.call('POST', '/v1/roles', { body: { name: name.value.trim(), permissions: perms } });
				if (!role) f.reset();
				load();
			}, role ? 'Role saved.' : 'Role created.');
		});
		clear(side, f);
	}

	await load();
	form(null);
}
