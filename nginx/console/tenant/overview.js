// Overview: the onboarding checklist (GET /v1/onboarding), usage against
// the plan's limits (GET /v1/usage), requests over time (the usage counter
// sampled while this page is open: the API has no per-tenant time series),
// and the audit chain's status (GET /v1/audit/verify).

import { h, clear, withLoading, svg } from './lib/ui.js';

const samples = []; // [{t, requests}] kept while the console is open
let timer = null;

function meter(label, used, max) {
	const pct = max > 0 ? Math.min(100, Math.round((used / max) * 100)) : 0;
	return h('div', { class: 'meter' },
		h('div', { class: 'meter-label' }, h('span', { text: label }), h('span', { class: 'muted', text: `${used.toLocaleString()} of ${max.toLocaleString()} (${pct} %)` })),
		h('progress', { max: String(max || 1), value: String(Math.min(used, max || 1)), 'aria-label': label }));
}

function chart() {
	const W = 320, H = 80;
	const rates = [];
	for (let i = 1; i < samples.length; i++) {
		const dt = (samples[i].t - samples[i - 1].t) / 1000;
		rates.push(dt > 0 ? Math.max(0, samples[i].requests - samples[i - 1].requests) / dt : 0);
	}
	const top = Math.max(1, ...rates);
	const pts = rates.map((r, i) => `${rates.length < 2 ? 0 : (i / (rates.length - 1)) * W},${H - (r / top) * (H - 4) - 2}`).join(' ');
	return h('figure', { class: 'chart' },
		svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'requests per second', class: 'spark' },
			svg('polyline', { points: pts || `0,${H - 2} ${W},${H - 2}`, fill: 'none', class: 'spark-line' })),
		h('figcaption', { class: 'muted small', text: rates.length
			? `requests per second, last ${rates.length} samples every 5 s (peak ${top.toFixed(1)}/s)`
			: 'requests per second: sampling every 5 s while this page is open' }));
}

// The checklist's steps (GET /v1/onboarding names them), what each asks
// for, and the page where it is done.
const STEPS = {
	first_collection: ['Create a first collection', '#/collections'],
	second_user: ['Add a second user', '#/users'],
	sso_or_mfa: ['Set up single sign-on or require a second factor', '#/settings'],
	api_key: ['Create an API key', '#/keys'],
};

async function checklist(ctx, box) {
	const o = await withLoading(box, () => ctx.api.get('/v1/onboarding'));
	if (!o) return;
	clear(box, h('h2', { text: 'Getting started' }),
		h('p', { class: 'muted', text: `${o.done} of ${o.total} done` }),
		h('progress', { max: String(o.total), value: String(o.done), 'aria-label': 'onboarding' }),
		h('ul', { class: 'checklist' }, o.steps.map((s) => {
			const [label, href] = STEPS[s.name] || [s.name, null];
			return h('li', { class: s.done ? 'done' : 'todo', dataset: { step: s.name, done: String(s.done) } },
				h('span', { class: 'mark', 'aria-hidden': 'true', text: s.done ? '✔' : '○' }),
				href && !s.done ? h('a', { href, text: label }) : h('span', { text: label }),
				h('span', { class: 'visually-hidden', text: s.done ? ' (done)' : ' (to do)' }));
		})));
}

export async function render(ctx, main) {
	const startBox = h('section', { class: 'card', id: 'onboarding' });
	const usageBox = h('section', { class: 'card', id: 'usage' });
	const chartBox = h('section', { class: 'card', id: 'requests' });
	const chainBox = h('section', { class: 'card', id: 'chain' });
	clear(main, h('h1', { text: 'Overview' }), h('div', { class: 'grid' }, startBox, usageBox, chartBox, chainBox));
	if (timer) clearInterval(timer);
	if (ctx.may('config:read')) checklist(ctx, startBox);
	else startBox.remove();
	if (ctx.may('config:read')) {
		const draw = async () => {
			const u = await withLoading(usageBox, () => ctx.api.get('/v1/usage'));
			if (!u) return;
			samples.push({ t: Date.now(), requests: u.requests });
			if (samples.length > 60) samples.shift();
			clear(usageBox, h('h2', { text: 'Usage and limits' }),
				meter('Records', u.records, u.limits.max_records),
				meter('Collections', u.collections, u.limits.max_collections),
				h('dl', { class: 'facts' },
					h('dt', { text: 'Users' }), h('dd', { text: String(u.users) }),
					h('dt', { text: 'Storage' }), h('dd', { text: `${(u.storage_bytes / 1024).toFixed(1)} KiB` }),
					h('dt', { text: 'Rate limit' }), h('dd', { text: `${u.limits.requests_per_second}/s, burst ${u.limits.burst}` }),
					h('dt', { text: 'Requests since start' }), h('dd', { text: String(u.requests) })));
			clear(chartBox, h('h2', { text: 'Requests over time' }), chart());
		};
		await draw();
		timer = setInterval(() => {
			if (main.dataset.page !== 'overview' || !main.isConnected) { clearInterval(timer); timer = null; return; }
			draw();
		}, 5000);
	} else {
		clear(usageBox, h('p', { class: 'muted', text: 'Usage needs config:read.' }));
		chartBox.remove();
	}
	if (ctx.may('audit:read')) {
		const v = await withLoading(chainBox, () => ctx.api.get('/v1/audit/verify'));
		if (v) clear(chainBox, h('h2', { text: 'Audit chain' }), chainStatus(v),
			h('p', {}, h('a', { href: '#/audit', text: 'Open the audit log' })));
	} else chainBox.remove();
}

export function chainStatus(v) {
	return h('div', { class: v.valid ? 'chain ok' : 'chain bad', dataset: { valid: String(v.valid) } },
		h('p', { class: 'big', text: v.valid ? '✔ The chain is intact' : '✘ The chain is broken' }),
		h('dl', { class: 'facts' },
			h('dt', { text: 'Sealed events' }), h('dd', { text: String(v.events) }),
			h('dt', { text: 'Not yet sealed' }), h('dd', { text: String(v.unsealed ?? 0) }),
			h('dt', { text: 'Head' }), h('dd', {}, h('code', { class: 'hash', text: v.head || '—' })),
			v.valid ? null : h('dt', { text: 'Broken at' }), v.valid ? null : h('dd', { text: `${v.broken_at} (${v.reason})` })));
}
