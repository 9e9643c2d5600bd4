// Privacy: export everything about a data subject, or erase it (its key
// is destroyed at once, its records purged).

import { h, clear, act, field, confirmDialog } from './lib/ui.js';

export async function render(ctx, main) {
	const subject = h('input', { type: 'text', id: 'subject', required: true, maxlength: '256', autocomplete: 'off' });
	const out = h('div', { class: 'out', id: 'privacy-out' });
	const exportBtn = h('button', { type: 'submit', text: 'Export' });
	const eraseBtn = h('button', { type: 'button', class: 'danger', text: 'Erase' });
	const f = h('form', { class: 'card stack', id: 'privacy-form' },
		h('p', { class: 'muted', text: 'A subject is the value of a collection\'s subject field (for example an e-mail address); it is matched trimmed and lower-cased.' }),
		field('Subject', subject), h('div', { class: 'actions' }, exportBtn, eraseBtn), out);
	f.addEventListener('submit', (ev) => {
		ev.preventDefault();
		const s = subject.value.trim();
		act(exportBtn, out, () => ctx.api.get(`/v1/privacy/subjects/${encodeURIComponent(s)}/export`)).then((doc) => {
			if (!doc) return;
			const text = JSON.stringify(doc, null, 2);
			const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
			clear(out, h('p', {}, `${doc.records.length} records, ${doc.audit.length} audit events. `,
				h('a', { href: url, download: 'subject-export.json', text: 'Download the export' })),
				h('pre', { class: 'export', text }));
		});
	});
	eraseBtn.addEventListener('click', async () => {
		const s = subject.value.trim();
		if (!s) return subject.reportValidity();
		if (!await confirmDialog(`Erase every piece of personal data about ${s}? This cannot be undone.`, { typed: s, action: 'Erase' })) return;
		act(eraseBtn, out, () => ctx.api.call('DELETE', `/v1/privacy/subjects/${encodeURIComponent(s)}`), `${s} erased.`);
	});
	clear(main, h('h1', { text: 'Privacy' }), f);
}
