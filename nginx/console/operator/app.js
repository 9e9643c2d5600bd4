// The operator console (apex host): platform sign-in; tenants with status,
// plan, region and counts; suspend, resume, change plan, delete (the slug
// must be typed); plans; the platform audit log.  The operator's access
// token is held in memory only (the platform API has no refresh): a reload
// asks to sign in again.

import { Client, query } from './lib/api.js';
import { h, clear, problemBox, loading, field, pager, table, act, when, confirmDialog, withLoading } from './lib/ui.js';
import { auditTable, auditFilters } from './lib/audit.js';

const api = new Client({ login: '/v1/platform/login' }, null);
const root = document.getElementById('app');
let main;
let nav;
let plans = [];

const PAGES = [
	{ route: 'tenants', label: 'Tenants', render: tenants },
	{ route: 'plans', label: 'Plans', render: plansPage },
	{ route: 'audit', label: 'Platform audit', render: auditPage },
];

function signIn(message) {
	api.forget();
	const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
	const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
	const out = h('div', { class: 'out' });
	const submit = h('button', { type: 'submit', text: 'Sign in' });
	const form = h('form', { class: 'stack', id: 'signin' }, field('E-mail', email), field('Password', password), submit, out);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		submit.disabled = true;
		clear(out, loading('Signing in…'));
		try {
			await api.login(email.value.trim(), password.value);
			password.value = '';
			shell(email.value.trim());
		} catch (e) {
			clear(out, problemBox(e));
		} finally {
			submit.disabled = false;
		}
	});
	clear(root, h('main', { class: 'center', id: 'main' }, h('section', { class: 'card narrow' },
		h('h1', { text: 'Strata platform' }), h('p', { class: 'muted', text: 'Operators sign in here.' }),
		message ? h('p', { class: 'notice warn', role: 'status', text: message }) : null, form)));
	email.focus();
}

let routing = false;
function shell(who) {
	api.onSignedOut = () => signIn('Your session has ended. Sign in again.');
	main = h('main', { id: 'main', tabindex: '-1' });
	nav = h('nav', { class: 'side', 'aria-label': 'platform' }, h('ul', {}, PAGES.map((p) =>
		h('li', {}, h('a', { href: `#/${p.route}`, dataset: { route: p.route }, text: p.label })))));
	const out = h('button', { type: 'button', class: 'secondary', id: 'signout', text: 'Sign out', onclick: () => { api.forget(); location.hash = ''; signIn('Signed out.'); } });
	clear(root, h('a', { class: 'skip', href: '#main', text: 'Skip to content', onclick: (ev) => { ev.preventDefault(); main.focus(); } }),
		h('header', { class: 'top' }, h('span', { class: 'brand', text: 'Strata platform' }), h('span', { class: 'muted who', id: 'who', text: who }), out),
		h('div', { class: 'layout' }, nav, main));
	if (!routing) window.addEventListener('hashchange', route);
	routing = true;
	route();
}

function route() {
	if (!api.signedIn) return;
	const name = location.hash.replace(/^#\/?/, '').split('/')[0];
	const page = PAGES.find((p) => p.route === name) || PAGES[0];
	for (const a of nav.querySelectorAll('a')) {
		if (a.dataset.route === page.route) a.setAttribute('aria-current', 'page');
		else a.removeAttribute('aria-current');
	}
	clear(main);
	main.dataset.page = page.route;
	page.render();
}

async function loadPlans() {
	try {
		plans = (await api.get('/v1/platform/plans')).items;
	} catch {
		plans = [];
	}
}

async function tenants() {
	const summary = h('section', { class: 'card', id: 'platform-usage' });
	const out = h('div', { class: 'out', id: 'tenant-out' });
	const list = h('div', { id: 'tenant-list' });
	clear(main, h('h1', { text: 'Tenants' }), summary, out, list);
	await loadPlans();
	withLoading(summary, () => api.get('/v1/platform/reports/usage')).then((u) => {
		if (!u) return;
		clear(summary, h('h2', { text: 'Platform usage' }), h('dl', { class: 'facts' },
			Object.entries(u.tenants).flatMap(([s, n]) => [h('dt', { text: `Tenants ${s}` }), h('dd', { text: String(n) })]),
			h('dt', { text: 'Users' }), h('dd', { text: String(u.users) }),
			h('dt', { text: 'API keys' }), h('dd', { text: String(u.api_keys) })));
	});
	const pg = pager(list, (cursor) => api.get(`/v1/platform/tenants${query({ limit: 25, cursor })}`), (items) => table([
		{ label: 'Slug', key: 'slug' },
		{ label: 'Name', key: 'name' },
		{ label: 'Status', render: (t) => h('span', { class: `badge ${t.status}`, text: t.status }) },
		{ label: 'Plan', render: (t) => t.status === 'deleted' ? t.plan : planPicker(t) },
		{ label: 'Region', key: 'region' },
		{ label: 'Users', render: (t) => String(t.counts.users) },
		{ label: 'API keys', render: (t) => String(t.counts.api_keys) },
		{ label: 'Created', render: (t) => when(t.created_at) },
		{ label: '', render: (t) => t.status === 'deleted' ? '' : h('div', { class: 'actions' },
			t.status === 'active'
				? h('button', { type: 'button', class: 'secondary', text: 'Suspend', dataset: { act: 'suspend' }, onclick: (ev) => change(ev, t, 'suspend') })
				: h('button', { type: 'button', class: 'secondary', text: 'Resume', dataset: { act: 'resume' }, onclick: (ev) => change(ev, t, 'resume') }),
			h('button', { type: 'button', class: 'danger', text: 'Delete', dataset: { act: 'delete' }, onclick: async (ev) => {
				if (!await confirmDialog(`Delete ${t.name}? Its keys are destroyed at once: its data can never be read again.`, { typed: t.slug, action: 'Delete tenant' })) return;
				act(ev.target, out, async () => { await api.call('DELETE', `/v1/platform/tenants/${t.id}`); pg.reload(); }, `${t.slug} deleted.`);
			} })) },
	], items, { rowProps: (t) => ({ dataset: { slug: t.slug, status: t.status } }) }));

	function change(ev, t, what) {
		act(ev.target, out, async () => { await api.call('POST', `/v1/platform/tenants/${t.id}/${what}`); pg.reload(); },
			`${t.slug} ${what === 'suspend' ? 'suspended' : 'resumed'}.`);
	}
	function planPicker(t) {
		const s = h('select', { 'aria-label': `plan of ${t.slug}`, class: 'plan-pick' },
			(plans.length ? plans.map((p) => p.name) : [t.plan]).map((n) => h('option', { value: n, text: n, selected: n === t.plan })));
		s.addEventListener('change', () => act(s, out, async () => {
			await api.call('PATCH', `/v1/platform/tenants/${t.id}`, { body: { plan: s.value } });
			pg.reload();
		}, `${t.slug} moved to the ${s.value} plan.`));
		return s;
	}
}

async function plansPage() {
	const list = h('div', { id: 'plan-list' });
	const side = h('div', { id: 'plan-form' });
	clear(main, h('h1', { text: 'Plans' }), side, list);
	async function load() {
		const r = await withLoading(list, () => api.get('/v1/platform/plans'));
		if (!r) return;
		plans = r.items;
		clear(list, table([
			{ label: 'Plan', key: 'name' },
			{ label: 'Requests/s', render: (p) => String(p.limits.requests_per_second) },
			{ label: 'Burst', render: (p) => String(p.limits.burst) },
			{ label: 'Max records', render: (p) => p.limits.max_records.toLocaleString() },
			{ label: 'Max collections', render: (p) => String(p.limits.max_collections) },
			{ label: 'Audit floor (days)', render: (p) => String(p.audit_retention_min_days) },
			{ label: 'Templates', render: (p) => p.templates.join(', ') },
			{ label: 'Features', render: (p) => Object.entries(p.features).map(([k, v]) => `${v ? '' : 'no '}${k}`).join(', ') },
			{ label: '', render: (p) => h('button', { type: 'button', class: 'secondary', text: 'Edit', onclick: () => form(p) }) },
		], r.items, { rowProps: (p) => ({ dataset: { plan: p.name } }) }));
	}
	function form(p) {
		const doc = p ? { limits: p.limits, audit_retention_min_days: p.audit_retention_min_days, templates: p.templates, features: p.features, regions: p.regions }
			: { name: '', limits: { requests_per_second: 200, burst: 400, max_records: 100000, max_collections: 100 }, audit_retention_min_days: 90, templates: ['default'], features: {}, regions: plans[0] ? plans[0].regions : [] };
		const ta = h('textarea', { rows: '10', id: 'plan-json', spellcheck: 'false', value: JSON.stringify(doc, null, 2) });
		const out = h('div', { class: 'out' });
		const f = h('form', { class: 'card stack' }, h('h2', { text: p ? `Edit the ${p.name} plan` : 'Create a plan' }), field('Plan (JSON)', ta),
			h('div', { class: 'actions' }, h('button', { type: 'submit', text: p ? 'Save plan' : 'Create plan' }),
				p ? h('button', { type: 'button', class: 'secondary', text: 'Cancel', onclick: () => form(null) }) : null), out);
		f.addEventListener('submit', (ev) => {
			ev.preventDefault();
			act(f.querySelector('button[type=submit]'), out, async () => {
				const body = JSON.parse(ta.value);
				if (p) await api.call('PATCH', `/v1/platform/plans/${p.name}`, { body });
				else await api.call('POST', '/v1/platform/plans', { body });
				await load();
			}, 'Plan saved.');
		});
		clear(side, f);
	}
	await load();
	form(null);
}

function auditPage() {
	const list = h('div', { id: 'audit-list' });
	const filters = auditFilters(() => pg.reset());
	clear(main, h('h1', { text: 'Platform audit log' }), filters, list);
	const pg = pager(list, (cursor) => api.get(`/v1/platform/audit${query({ ...filters.values(), limit: 25, cursor })}`), auditTable);
}

signIn();
