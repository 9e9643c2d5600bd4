// Security: the signed-in user's second factor (TOTP).  Enrol (the QR code
// is the API's SVG shown as a data: image, which the CSP's img-src allows;
// nothing is parsed as HTML), confirm with a code, keep the recovery codes,
// disable with a code.  enrolPanel is also the sign-in's enrolment step
// when the tenant requires a second factor (mfa_enrolment_required).

import { h, clear, act, field, problemBox, loading, copyButton, notice } from './lib/ui.js';

function qrImage(svgText) {
	// The SVG is ASCII (a path of digits and letters): btoa takes it as is.
	return h('img', {
		class: 'qr', id: 'mfa-qr', width: '240', height: '240',
		src: `data:image/svg+xml;base64,${btoa(svgText)}`,
		alt: 'QR code of the authenticator secret: scan it with an authenticator app',
	});
}

function recoveryList(codes) {
	return h('div', { class: 'card stack', id: 'mfa-recovery' },
		h('h2', { text: 'Recovery codes' }),
		h('p', { class: 'notice warn', text: 'Keep these somewhere safe. Each signs you in once without your phone; they are shown only now.' }),
		h('ul', { class: 'codes' }, codes.map((c) => h('li', {}, h('code', { text: c })))),
		copyButton(codes.join('\n')));
}

// Starts an enrolment and shows its QR code and a confirm form in `where`;
// onConfirmed(answer) gets the confirm answer ({recovery_codes}, and a
// token pair for an enrolment token).
export async function enrolPanel(api, where, onConfirmed) {
	clear(where, loading('Preparing your authenticator…'));
	let e;
	try {
		e = (await api.call('POST', '/v1/me/mfa/totp')).data;
	} catch (err) {
		return clear(where, problemBox(err));
	}
	const code = h('input', { type: 'text', id: 'mfa-code', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: '6', required: true });
	const out = h('div', { class: 'out', id: 'mfa-enrol-out', 'aria-live': 'polite' });
	const submit = h('button', { type: 'submit', id: 'mfa-confirm', text: 'Confirm' });
	const form = h('form', { class: 'stack', id: 'mfa-enrol' },
		h('p', { text: 'Scan this code with an authenticator app (or type the key in), then enter the six digits it shows.' }),
		qrImage(e.qr_svg),
		h('p', { class: 'muted small' }, 'Key: ', h('code', { id: 'mfa-secret', text: e.secret }), ' ', copyButton(e.secret)),
		h('a', { href: e.otpauth_uri, id: 'mfa-uri', text: 'Open in an authenticator app on this device' }),
		field('Code from the app', code), submit, out);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const r = await act(submit, out, () => api.call('POST', '/v1/me/mfa/totp/confirm', { body: { code: code.value.trim() } }));
		if (r) onConfirmed(r.data);
	});
	clear(where, form);
	code.focus();
}

function disablePanel(ctx, where, reload) {
	const code = h('input', { type: 'text', id: 'mfa-disable-code', name: 'code', autocomplete: 'one-time-code', required: true });
	const out = h('div', { class: 'out', id: 'mfa-disable-out' });
	const submit = h('button', { type: 'submit', class: 'danger', id: 'mfa-disable', text: 'Disable two-factor sign-in' });
	const form = h('form', { class: 'stack', id: 'mfa-disable-form' },
		field('A current code or a recovery code', code), submit, out);
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const r = await act(submit, out, () => ctx.api.call('DELETE', '/v1/me/mfa', { body: { code: code.value.trim() } }));
		if (r) reload('Two-factor sign-in is off.');
	});
	where.append(form);
}

export async function render(ctx, main, _params, message) {
	const box = h('section', { class: 'card stack', id: 'mfa' }, loading());
	clear(main, h('h1', { text: 'Security' }), box);
	if (!ctx.me.user) return clear(box, h('p', { text: 'An API key has no second factor.' }));
	let s;
	try {
		s = await ctx.api.get('/v1/me/mfa');
	} catch (e) {
		return clear(box, problemBox(e));
	}
	const reload = (text) => render(ctx, main, _params, text);
	const status = h('p', { id: 'mfa-status', dataset: { enabled: String(s.enabled) },
		text: s.enabled ? `Two-factor sign-in is on (${s.recovery_codes_left} recovery codes left).`
			: s.required ? 'This tenant requires two-factor sign-in for you: enrol now.'
				: 'Two-factor sign-in is off.' });
	const out = h('div', { class: 'out', id: 'mfa-out' });
	clear(box, h('h2', { text: 'Two-factor sign-in (TOTP)' }), status, out);
	if (message) notice(out, message);
	if (s.enabled) return disablePanel(ctx, box, reload);
	const start = h('button', { type: 'button', id: 'mfa-start', text: s.pending ? 'Start again' : 'Set up an authenticator app' });
	const panel = h('div', { id: 'mfa-panel' });
	start.addEventListener('click', () => {
		start.remove();
		enrolPanel(ctx.api, panel, (answer) => {
			clear(panel, recoveryList(answer.recovery_codes));
			status.dataset.enabled = 'true';
			status.textContent = 'Two-factor sign-in is on.';
		});
	});
	box.append(start, panel);
}
