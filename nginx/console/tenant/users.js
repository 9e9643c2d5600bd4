// Users: list (keyset pages), create (or invite, where the API offers
// invitations), change roles, disable / enable, delete.  A role that grants
// something the signed-in user lacks is shown but cannot be given.

import { h, clear, pager, table, act, field, when, confirmDialog, problemBox } from './lib/ui.js';
import { query } from './lib/api.js';

async function grantable(ctx) {
	const r = await ctx.api.get('/v1/roles?limit=200');
	return r.items.map((role) => ({
		name: role.name,
		missing: role.permissions.filter((p) => !ctx.may(p)),
		owner: role.name === 'owner',
	}));
}

function roleBoxes(ctx, roles, checked, name) {
	const isOwner = ctx.me.user && ctx.me.user.roles.includes('owner');
	return h('fieldset', { class: 'perms' }, h('legend', { text: 'Roles' }), roles.map((r) => {
		const may = r.missing.length === 0 && (!r.owner || isOwner);
		const why = r.owner && !isOwner ? 'only an owner makes an owner' : `needs ${r.missing.join(', ')}`;
		return h('label', { class: may ? 'perm' : 'perm lacking', title: may ? '' : why },
			h('input', { type: 'checkbox', name, value: r.name, checked: checked.includes(r.name), disabled: !may && !checked.includes(r.name) }),
			' ', r.name, may ? null : h('span', { class: 'badge', text: 'not yours to grant' }));
	}));
}

const picked = (root, name) => [...root.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);

export async function render(ctx, main) {
	const list = h('div', { id: 'user-list' });
	const side = h('div', { id: 'user-form' });
	clear(main, h('h1', { text: 'Users' }), side, list);
	let roles = [];
	try {
		roles = await grantable(ctx);
	} catch (e) {
		side.append(problemBox(e));
	}
	const pg = pager(list, (cursor) => ctx.api.get(`/v1/users${query({ limit: 20, cursor })}`), (items) =>
		table([
			{ label: 'E-mail', key: 'email' },
			{ label: 'Name', key: 'name' },
			{ label: 'Roles', render: (u) => u.roles.join(', ') },
			{ label: 'Status', render: (u) => h('span', { class: `badge ${u.status}`, text: u.status }) },
			{ label: 'Created', render: (u) => when(u.created_at) },
			{ label: '', render: (u) => ctx.may('users:manage') ? h('button', { type: 'button', class: 'secondary', text: 'Edit', onclick: () => edit(u) }) : '' },
		], items, { rowProps: (u) => ({ dataset: { email: u.email } }) }));

	function edit(u) {
		const out = h('div', { class: 'out' });
		const form = h('form', { class: 'card stack', id: 'edit-user' },
			h('h2', { text: `Edit ${u.email}` }),
			roleBoxes(ctx, roles, u.roles, 'edit-role'),
			h('div', { class: 'actions' },
				h('button', { type: 'submit', text: 'Save roles' }),
				h('button', { type: 'button', class: 'secondary', text: u.status === 'active' ? 'Disable' : 'Enable', onclick: (ev) =>
					act(ev.target, out, async () => {
						await ctx.api.call('PATCH', `/v1/users/${u.id}`, { body: { status: u.status === 'active' ? 'disabled' : 'active' }, ifMatch: u.version });
						clear(side, createForm());
						pg.reload();
					}) }),
				h('button', { type: 'button', class: 'danger', text: 'Delete', onclick: async (ev) => {
					if (!await confirmDialog(`Delete ${u.email}? Their sessions end at once.`, { typed: u.email, action: 'Delete user' })) return;
					act(ev.target, out, async () => {
						await ctx.api.call('DELETE', `/v1/users/${u.id}`, { ifMatch: u.version });
						clear(side, createForm());
						pg.reload();
					});
				} }),
				h('button', { type: 'button', class: 'secondary', text: 'Close', onclick: () => clear(side, createForm()) })),
			out);
		form.addEventListener('submit', (ev) => {
			ev.preventDefault();
			act(form.querySelector('button[type=submit]'), out, async () => {
				const r = await ctx.api.call('PATCH', `/v1/users/${u.id}`, { body: { roles: picked(form, 'edit-role') }, ifMatch: u.version });
				u = r.data;
				pg.reload();
			}, 'Roles saved.');
		});
		clear(side, form);
	}

	function createForm() {
		if (!ctx.may('users:manage')) return null;
		const email = h('input', { type: 'email', required: true, name: 'email', autocomplete: 'off' });
		const name = h('input', { type: 'text', name: 'name', autocomplete: 'off' });
		const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password' });
		const out = h('div', { class: 'out' });
		const form = h('form', { class: 'card stack', id: 'create-user' },
			h('h2', { text: invitations ? 'Create or invite a user' : 'Create a user' }),
			h('div', { class: 'row' }, field('E-mail', email), field('Name', name),
				field('Password', password, invitations ? 'leave empty to send an invitation instead' : 'the user signs in with it')),
			roleBoxes(ctx, roles, [], 'new-role'),
			h('button', { type: 'submit', text: 'Create' }), out);
		form.addEventListener('submit', (ev) => {
			ev.preventDefault();
			const roleNames = picked(form, 'new-role');
			act(form.querySelector('button[type=submit]'), out, async () => {
				if (invitations && !password.value)
					await ctx.api.call('POST', '/v1/invitations', { body: { email: email.value.trim(), roles: roleNames } });
				else
					await ctx.api.call('POST', '/v1/users', { body: { email: email.value.trim(), name: name.value, password: password.value || undefined, roles: roleNames } });
				form.reset();
				pg.reload();
			}, invitations && !password.value ? 'Invitation sent.' : 'User created.');
		});
		return form;
	}

	// Invitations only where the API has them (GET /v1/invitations answers).
	let invitations = false;
	if (ctx.may('users:manage')) {
		try {
			await ctx.api.get('/v1/invitations?limit=1');
			invitations = true;
		} catch {
			invitations = false;
		}
	}
	clear(side, createForm());
}
