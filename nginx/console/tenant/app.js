// The tenant console: sign-in, then one page per hash route.  Each page
// module exports render(ctx, main, params); ctx carries the API client,
// the tenant, the caller (/v1/me) and may(permission).

import { Client, ApiError } from './lib/api.js';
import { h, clear, problemBox, loading, field } from './lib/ui.js';
import * as overview from './overview.js';
import * as users from './users.js';
import * as roles from './roles.js';
import * as keys from './keys.js';
import * as collections from './collections.js';
import * as records from './records.js';
import * as settings from './settings.js';
import * as audit from './audit.js';
import * as privacy from './privacy.js';
import * as sso from './sso.js';
import * as security from './security.js';
import * as links from './links.js';

const api = new Client({ login: '/v1/auth/login', refresh: '/v1/auth/refresh', logout: '/v1/auth/logout' }, 'strata.refresh');
const root = document.getElementById('app');
// A mailed link's token leaves the address bar before anything else runs.
const opened = links.take();

const PAGES = [
	{ route: 'overview', label: 'Overview', page: overview, need: null },
	{ route: 'users', label: 'Users', page: users, need: 'users:read' },
	{ route: 'roles', label: 'Roles', page: roles, need: 'users:read' },
	{ route: 'keys', label: 'API keys', page: keys, need: 'apikeys:manage' },
	{ route: 'collections', label: 'Collections', page: collections, need: 'records:read' },
	{ route: 'records', label: 'Records', page: records, need: 'records:read' },
	{ route: 'settings', label: 'Settings', page: settings, need: 'config:read' },
	{ route: 'audit', label: 'Audit log', page: audit, need: 'audit:read' },
	{ route: 'privacy', label: 'Privacy', page: privacy, need: 'privacy:manage' },
	{ route: 'security', label: 'Security', page: security, need: null },
];

const ctx = { api, tenant: null, me: null, may: () => false, go };
// What the pages of the mailed links (links.js) may do.
const linkUi = { api, get tenant() { return ctx.tenant; }, signIn, signedIn, secondFactor, enrolStep };

function go(hash) {
	if (location.hash === hash) route();
	else location.hash = hash;
}

async function start() {
	clear(root, loading('Loading the console…'));
	try {
		ctx.tenant = await api.get('/v1/tenant', { anonymous: true });
	} catch (e) {
		return unavailable(e);
	}
	document.title = `${ctx.tenant.name} — Strata console`;
	api.onSignedOut = () => signIn('Your session has ended (signed out, or signed out everywhere). Sign in again.');
	// A link opened in a tab already open (or pasted): its page too.
	window.addEventListener('hashchange', () => {
		const l = links.take();
		if (l) showLink(l);
	});
	if (opened) return showLink(opened);
	const back = sso.finish();
	if (back && back.error) return signIn(back.error);
	if (back) {
		api.useBearer(back.token);
		return signedIn();
	}
	if (await api.resume()) return signedIn();
	signIn();
}

// The tenant cannot be served: suspended (403 tenant_suspended), unknown,
// or the service is down.  Nothing else is shown.
function unavailable(e) {
	const suspended = e instanceof ApiError && e.code === 'tenant_suspended';
	clear(root, h('main', { class: 'center', id: 'main' },
		h('section', { class: 'card narrow', dataset: { state: suspended ? 'suspended' : 'unavailable' } },
			h('h1', { text: suspended ? 'This tenant is suspended' : 'The console is unavailable' }),
			h('p', { text: suspended
				? 'Its administrators cannot sign in and its API answers 403 until an operator resumes it.'
				: 'The tenant could not be read.' }),
			problemBox(e))));
}

// A mailed link's page: signed out while it shows.
function showLink(link) {
	api.forget();
	ctx.me = null;
	links.render(root, linkUi, link);
}

function signIn(message, kind = 'warn') {
	api.forget();
	if (links.isLink(location.hash)) links.leave();
	const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
	const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
	const out = h('div', { class: 'out', 'aria-live': 'polite' });
	const submit = h('button', { type: 'submit', text: 'Sign in' });
	const form = h('form', { class: 'stack', id: 'signin' },
		field('E-mail', email), field('Password', password), submit, out);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		submit.disabled = true;
		clear(out, loading('Signing in…'));
		try {
			const r = await api.login(email.value.trim(), password.value);
			password.value = '';
			if (r.mfa) return secondFactor(r.mfa);
			if (r.enrol) return enrolStep(r.enrol);
			await signedIn();
		} catch (e) {
			clear(out, problemBox(e));
		} finally {
			submit.disabled = false;
		}
	});
	const providers = h('div', { id: 'providers' });
	clear(root, h('main', { class: 'center', id: 'main' },
		h('section', { class: 'card narrow' },
			h('h1', { text: ctx.tenant.name }),
			h('p', { class: 'muted', text: `Sign in to the ${ctx.tenant.slug} console` }),
			message ? h('p', { class: `notice ${kind}`, role: 'status', id: 'signin-message', text: message }) : null,
			form, providers,
			h('p', { class: 'small', id: 'signin-links' },
				askLink('forgot-open', 'Forgot your password?', 'forgot'), ' · ',
				askLink('join-open', 'Join with your work e-mail', 'join')))));
	email.focus();
	ssoButton(providers);
}

// A link of the sign-in page to the form asking for a mailed link.
function askLink(id, text, kind) {
	return h('a', { href: '#', id, text, onclick: (ev) => {
		ev.preventDefault();
		links.ask(root, linkUi, kind);
	} });
}

// "Sign in with SSO", only when the tenant has a browser flow
// (GET /v1/auth/providers answers oidc); nothing when it cannot be read.
async function ssoButton(where) {
	let p;
	try {
		p = await api.get('/v1/auth/providers', { anonymous: true });
	} catch {
		where.dataset.state = 'unavailable';
		return;
	}
	if (!p || !p.oidc || !where.isConnected) {
		where.dataset.state = 'ready';
		return;
	}
	const b = h('button', { type: 'button', class: 'secondary', id: 'sso', text: 'Sign in with SSO' });
	b.addEventListener('click', () => {
		b.disabled = true;
		sso.start(p.oidc);
	});
	clear(where, h('p', { class: 'muted or', text: 'or' }), b,
		h('p', { class: 'muted small', text: `with ${new URL(p.oidc.issuer).host}` }));
	where.dataset.state = 'ready';
}

// The second factor, when the API asks for one (login answered
// mfa_required with a challenge): a code of the app or a recovery code.
function secondFactor(challenge) {
	const code = h('input', { type: 'text', id: 'mfa-login-code', name: 'code', autocomplete: 'one-time-code', required: true, maxlength: '32' });
	const out = h('div', { class: 'out', id: 'mfa-login-out', 'aria-live': 'polite' });
	const submit = h('button', { type: 'submit', id: 'mfa-verify', text: 'Verify' });
	const again = h('button', { type: 'button', class: 'secondary', text: 'Back to sign-in' });
	again.addEventListener('click', () => signIn());
	const form = h('form', { class: 'stack', id: 'mfa-signin' },
		field('Authentication code', code, 'The six digits of your authenticator app, or one of your recovery codes.'),
		h('div', { class: 'actions' }, submit, again), out);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		submit.disabled = true;
		try {
			await api.secondFactor(challenge, code.value.trim());
			await signedIn();
		} catch (e) {
			code.value = '';
			clear(out, problemBox(e));
			// A spent or expired challenge cannot be retried.
			if (e instanceof ApiError && e.code === 'invalid_challenge') return signIn('That sign-in attempt has ended. Sign in again.');
		} finally {
			submit.disabled = false;
		}
	});
	clear(root, h('main', { class: 'center', id: 'main' }, h('section', { class: 'card narrow' }, h('h1', { text: 'Second factor' }), form)));
	code.focus();
}

// The tenant requires a second factor this user has not set up: the
// enrolment token (good for nothing else) enrols, and the confirmation
// answers the real session.
function enrolStep(token) {
	api.take({ access_token: token });
	const panel = h('div', { id: 'mfa-panel' });
	clear(root, h('main', { class: 'center', id: 'main' }, h('section', { class: 'card narrow', id: 'mfa-required' },
		h('h1', { text: 'Set up two-factor sign-in' }),
		h('p', { class: 'notice warn', role: 'status', text: `${ctx.tenant.name} requires a second factor for your account before you can continue.` }),
		panel)));
	security.enrolPanel(api, panel, (answer) => {
		if (answer.access_token) api.take(answer);
		const next = h('button', { type: 'button', id: 'mfa-continue', text: 'Continue to the console' });
		next.addEventListener('click', () => signedIn());
		clear(panel, h('p', { class: 'muted', text: 'Keep these recovery codes somewhere safe; each signs you in once without your phone.' }),
			h('ul', { class: 'codes', id: 'mfa-recovery' }, answer.recovery_codes.map((c) => h('li', {}, h('code', { text: c })))), next);
	});
}

async function signedIn() {
	clear(root, loading());
	try {
		ctx.me = await api.get('/v1/me');
	} catch (e) {
		if (!api.signedIn) return;
		return clear(root, problemBox(e));
	}
	// The token must be this tenant's (the API refuses another's; this
	// also keeps a stray token of another origin from showing anything).
	if (!ctx.me.tenant || ctx.me.tenant.id !== ctx.tenant.id) {
		api.forget();
		return signIn('That session belongs to another tenant.');
	}
	const held = new Set(ctx.me.permissions || []);
	ctx.may = (p) => held.has(p);
	shell();
	if (!routing) window.addEventListener('hashchange', route);
	routing = true;
	route();
}

let main;
let nav;
let routing = false;

function shell() {
	main = h('main', { id: 'main', tabindex: '-1' });
	nav = h('nav', { class: 'side', 'aria-label': 'console' },
		h('ul', {}, PAGES.filter((p) => !p.need || ctx.may(p.need)).map((p) =>
			h('li', {}, h('a', { href: `#/${p.route}`, dataset: { route: p.route }, text: p.label })))));
	const who = ctx.me.user ? ctx.me.user.email : ctx.me.api_key.name;
	const out = h('button', { type: 'button', class: 'secondary', id: 'signout', text: 'Sign out' });
	out.addEventListener('click', async () => {
		out.disabled = true;
		try {
			await api.logout();
		} catch {
			// The session is forgotten here whatever the answer.
		}
		location.hash = '';
		signIn('Signed out.');
	});
	clear(root,
		h('a', { class: 'skip', href: '#main', text: 'Skip to content', onclick: (ev) => { ev.preventDefault(); main.focus(); } }),
		h('header', { class: 'top' },
			h('span', { class: 'brand', text: ctx.tenant.name }),
			h('span', { class: 'muted who', id: 'who', text: `${who} · ${(ctx.me.user ? ctx.me.user.roles : []).join(', ')}` }),
			out),
		h('div', { class: 'layout' }, nav, main));
}

function route() {
	if (!ctx.me || links.isLink(location.hash)) return;
	const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
	const page = PAGES.find((p) => p.route === name && (!p.need || ctx.may(p.need))) || PAGES[0];
	for (const a of nav.querySelectorAll('a')) {
		if (a.dataset.route === page.route) a.setAttribute('aria-current', 'page');
		else a.removeAttribute('aria-current');
	}
	clear(main);
	main.dataset.page = page.route;
	page.page.render(ctx, main, rest.map(decodeURIComponent));
}

start();
