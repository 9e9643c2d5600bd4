// The pages of the mailed links (docs/api.md "Invitations, password reset
// and joining"): accept an invitation, set a new password, join by a
// verified domain; and, from the sign-in page, asking for a reset or a
// join link.
//
// A link's token is taken out of the address bar as soon as the module
// runs (history.replaceState: it stays out of the history, of a reload
// and of a bookmark) and lives in one closure only: it is never stored.

import { ApiError } from './lib/api.js';
import { h, clear, problemBox, loading, field } from './lib/ui.js';

// route (the hash without "#/") → what the page does.
const LINKS = {
	'invitations/accept': {
		path: '/v1/invitations/accept', prefix: 'sin_', signsIn: true,
		title: 'Accept the invitation', button: 'Create my account',
		lead: (t) => `You were invited to ${t}. Choose your name and a password.`,
	},
	'password/reset': {
		path: '/v1/auth/password/reset', prefix: 'spr_', signsIn: false,
		title: 'Choose a new password', button: 'Set the password',
		lead: (t) => `A new password for ${t}. Every session of your account ends.`,
	},
	'join/accept': {
		path: '/v1/auth/join/accept', prefix: 'sjn_', signsIn: true,
		title: 'Join', button: 'Create my account',
		lead: (t) => `Your work e-mail lets you join ${t}. Choose your name and a password.`,
	},
};

// The same words whatever the API knows of the address (the routes
// answer 202 in every case).
export const SENT = 'If the address is known, a mail is on its way. Its link works once.';

function routeOf(hash) {
	const m = /^#\/?([^?]*)(\?.*)?$/.exec(hash || '');
	return m && Object.hasOwn(LINKS, m[1]) ? { route: m[1], query: m[2] || '' } : null;
}

// Is this address one of the links' pages (with or without its token)?
export function isLink(hash) {
	return routeOf(hash) !== null;
}

// The link of the address bar, if any: {route, token} (token '' when the
// address has none), the token removed from the address at once.
export function take() {
	const r = routeOf(location.hash);
	if (!r) return null;
	const token = new URLSearchParams(r.query.slice(1)).get('token') || '';
	if (r.query) history.replaceState(null, '', `${location.pathname}${location.search}#/${r.route}`);
	return { route: r.route, token };
}

// Leaves a link's page for the console (no hashchange: the caller goes on).
export function leave() {
	history.replaceState(null, '', `${location.pathname}${location.search}#/overview`);
}

function card(root, id, ...children) {
	clear(root, h('main', { class: 'center', id: 'main' },
		h('section', { class: 'card narrow', id }, ...children)));
}

function passwordFields() {
	const pw = h('input', { type: 'password', name: 'password', id: 'link-password', autocomplete: 'new-password', required: true, maxlength: '1024' });
	const again = h('input', { type: 'password', name: 'password2', id: 'link-password2', autocomplete: 'new-password', required: true, maxlength: '1024' });
	return { pw, again };
}

// A dead link (400 invalid_token, 410 gone): said plainly, with the
// problem, and no form to retry with.
function dead(root, ui, e, link) {
	const back = h('button', { type: 'button', id: 'link-signin', text: 'Go to sign-in' });
	back.addEventListener('click', () => ui.signIn());
	const retry = link.route === 'password/reset' ? h('button', { type: 'button', class: 'secondary', id: 'link-again', text: 'Ask for a new link' }) : null;
	if (retry) retry.addEventListener('click', () => ask(root, ui, 'forgot'));
	card(root, 'link-dead',
		h('h1', { text: 'This link cannot be used' }),
		h('p', { class: 'notice warn', role: 'status', id: 'link-dead-why', text: e.status === 410
			? 'This link was used or has expired. Ask for a new one.'
			: 'This link is not valid (it may be incomplete). Open it again from your mail, or ask for a new one.' }),
		problemBox(e),
		h('div', { class: 'actions' }, back, retry));
	back.focus();
}

// The page of link {route, token}.  ui: {tenant, api, signIn(message,
// kind), signedIn(), secondFactor(challenge), enrolStep(token)}.
export function render(root, ui, link) {
	const spec = LINKS[link.route];
	let token = link.token;
	if (!token.startsWith(spec.prefix))
		return dead(root, ui, new ApiError(0, { title: 'No token in the address', detail: 'the address holds no token of this kind' }), link);
	const name = spec.signsIn ? h('input', { type: 'text', name: 'name', id: 'link-name', autocomplete: 'name', required: true, maxlength: '200' }) : null;
	const { pw, again } = passwordFields();
	const out = h('div', { class: 'out', id: 'link-out', 'aria-live': 'polite' });
	const submit = h('button', { type: 'submit', id: 'link-submit', text: spec.button });
	const form = h('form', { class: 'stack', id: 'link-form', dataset: { link: link.route } },
		name ? field('Your name', name) : null,
		field('Password', pw, 'As the tenant\'s password policy asks (the answer says what is missing).'),
		field('Repeat the password', again), submit, out);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		if (pw.value !== again.value) {
			clear(out, problemBox(new ApiError(0, { title: 'The passwords differ', detail: 'Type the same password twice.' })));
			again.focus();
			return;
		}
		submit.disabled = true;
		clear(out, loading('Working…'));
		const body = { token, password: pw.value };
		if (name) body.name = name.value.trim();
		try {
			if (!spec.signsIn) {
				await ui.api.call('POST', spec.path, { body, anonymous: true });
				token = '';
				return ui.signIn('Your password was changed: sign in with the new one.', 'ok');
			}
			const r = await ui.api.signInAt(spec.path, body);
			token = '';
			leave();
			if (r.mfa) return ui.secondFactor(r.mfa);
			if (r.enrol) return ui.enrolStep(r.enrol);
			await ui.signedIn();
		} catch (e) {
			pw.value = '';
			again.value = '';
			if (e instanceof ApiError && (e.status === 410 || (e.status === 400 && e.code === 'invalid_token'))) {
				token = '';
				return dead(root, ui, e, link);
			}
			clear(out, problemBox(e));
			pw.focus();
		} finally {
			submit.disabled = false;
		}
	});
	card(root, 'link-page',
		h('h1', { text: spec.title }),
		h('p', { class: 'muted', text: spec.lead(ui.tenant.name) }),
		form);
	(name || pw).focus();
}

const ASKS = {
	forgot: {
		path: '/v1/auth/password/forgot', title: 'Forgot your password?', button: 'Mail me a link',
		lead: 'Your e-mail address: a link to choose a new password is mailed to it (it works for 30 minutes).',
	},
	join: {
		path: '/v1/auth/join', title: 'Join with your work e-mail', button: 'Mail me a link',
		lead: 'If your organisation lets addresses of your domain join, a link to create your account is mailed to it.',
	},
};

// The forms the sign-in page opens: an address, then the same words in
// every case.
export function ask(root, ui, kind) {
	const spec = ASKS[kind];
	const email = h('input', { type: 'email', name: 'email', id: 'ask-email', autocomplete: 'email', required: true, maxlength: '320' });
	const out = h('div', { class: 'out', id: 'ask-out', 'aria-live': 'polite' });
	const submit = h('button', { type: 'submit', id: 'ask-submit', text: spec.button });
	const back = h('button', { type: 'button', class: 'secondary', id: 'ask-back', text: 'Back to sign-in' });
	back.addEventListener('click', () => ui.signIn());
	const form = h('form', { class: 'stack', id: `ask-${kind}` },
		field('E-mail', email), h('div', { class: 'actions' }, submit, back), out);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		submit.disabled = true;
		clear(out, loading('Sending…'));
		try {
			await ui.api.call('POST', spec.path, { body: { email: email.value.trim() }, anonymous: true });
			clear(out, h('p', { class: 'notice ok', role: 'status', id: 'ask-sent', text: SENT }));
		} catch (e) {
			clear(out, problemBox(e));
		} finally {
			submit.disabled = false;
		}
	});
	card(root, `ask-${kind}-page`, h('h1', { text: spec.title }), h('p', { class: 'muted', text: spec.lead }), form);
	email.focus();
}
