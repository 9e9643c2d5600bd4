// The console's only door to Strata: the public HTTP API of this origin,
// called with the signed-in user's own tokens.
//
// The access token lives in this module's memory only.  The refresh token
// (tenant console) is kept in sessionStorage, so a reload of this tab keeps
// the session; it is rotated on every refresh (the old one is spent), and a
// refresh the server refuses (a spent token, a session ended elsewhere:
// "signed out everywhere") ends the session here too.

export class ApiError extends Error {
	constructor(status, problem) {
		super(problem.title || `HTTP ${status}`);
		this.status = status;
		this.problem = problem;
		this.code = problem.code || '';
		this.title = problem.title || `HTTP ${status}`;
		this.detail = problem.detail || '';
		this.errors = Array.isArray(problem.errors) ? problem.errors : [];
		this.requestId = problem.request_id || '';
	}
}

async function parse(res) {
	const type = res.headers.get('Content-Type') || '';
	if (res.status === 204) return null;
	if (type.includes('json')) {
		try {
			return await res.json();
		} catch {
			return null;
		}
	}
	return await res.text();
}

function problemOf(status, data) {
	if (data && typeof data === 'object' && data.title) return data;
	return { title: `HTTP ${status}`, status, detail: typeof data === 'string' ? data.slice(0, 200) : '' };
}

export class Client {
	// paths: {login, refresh?, logout?}; storageKey: where the refresh
	// token is kept (null: never kept, the operator console).
	constructor(paths, storageKey) {
		this.paths = paths;
		this.storageKey = storageKey;
		this.access = null;
		this.refreshing = null;
		this.onSignedOut = () => {};
	}

	get refreshToken() {
		if (!this.storageKey) return null;
		try {
			return sessionStorage.getItem(this.storageKey);
		} catch {
			return null;
		}
	}

	set refreshToken(value) {
		if (!this.storageKey) return;
		if (value) sessionStorage.setItem(this.storageKey, value);
		else sessionStorage.removeItem(this.storageKey);
	}

	get signedIn() {
		return this.access !== null;
	}

	take(tokens) {
		this.access = tokens.access_token;
		if (tokens.refresh_token) this.refreshToken = tokens.refresh_token;
	}

	// A bearer token from single sign-on (an ID token): held in memory
	// only, with no refresh token; when it expires the session ends.
	useBearer(token) {
		this.access = token;
		this.refreshToken = null;
	}

	forget() {
		this.access = null;
		this.refreshToken = null;
	}

	// Signs in; answers {mfa: challenge} when the server asks for a
	// second factor (POST /v1/auth/login answers 401 mfa_required), and
	// {enrol: token} when the tenant requires one the user has not set up
	// (403 mfa_enrolment_required: a token good only for enrolling).
	async login(email, password) {
		return this.signInAt(this.paths.login, { email, password });
	}

	// Any route whose answer is a token pair (the login, a mailed link's
	// accept): the same session, or the same second-factor steps.
	async signInAt(path, body) {
		try {
			const r = await this.call('POST', path, { body, anonymous: true });
			this.take(r.data);
			return {};
		} catch (e) {
			if (e instanceof ApiError && e.code === 'mfa_required' && e.problem.challenge)
				return { mfa: e.problem.challenge };
			if (e instanceof ApiError && e.code === 'mfa_enrolment_required' && e.problem.enrolment_token)
				return { enrol: e.problem.enrolment_token };
			throw e;
		}
	}

	async secondFactor(challenge, code) {
		const r = await this.call('POST', '/v1/auth/mfa', { body: { challenge, code }, anonymous: true });
		this.take(r.data);
	}

	// A session kept in this tab: true when a refresh worked.
	async resume() {
		if (!this.refreshToken || !this.paths.refresh) return false;
		try {
			await this.refresh();
			return true;
		} catch {
			return false;
		}
	}

	// One refresh at a time: parallel callers wait for the same rotation
	// (a second use of the spent token would revoke the whole session).
	refresh() {
		if (!this.refreshing) {
			const token = this.refreshToken;
			this.refreshing = (async () => {
				try {
					if (!token) throw new ApiError(401, { title: 'Signed out', code: 'invalid_token' });
					const r = await this.call('POST', this.paths.refresh, {
						body: { refresh_token: token }, anonymous: true,
					});
					this.take(r.data);
				} catch (e) {
					if (e instanceof ApiError && e.status === 401) this.forget();
					throw e;
				} finally {
					this.refreshing = null;
				}
			})();
		}
		return this.refreshing;
	}

	async logout() {
		const token = this.refreshToken;
		try {
			if (this.access && this.paths.logout)
				await this.call('POST', this.paths.logout, { body: token ? { refresh_token: token } : {} });
		} finally {
			this.forget();
		}
	}

	// call(method, path, {body, ifMatch, accept, contentType, anonymous})
	// → {status, data, etag}; an error answer throws ApiError carrying
	// the problem (title, detail, errors).  A 401 on a signed-in call is
	// retried once after a refresh; when that fails the session is over.
	async call(method, path, opts = {}) {
		const first = await this.send(method, path, opts);
		if (first.status !== 401 || opts.anonymous || !this.access) return this.finish(first);
		if (this.refreshToken && this.paths.refresh) {
			try {
				await this.refresh();
			} catch {
				this.ended();
				return this.finish(first);
			}
			return this.finish(await this.send(method, path, opts));
		}
		this.ended();
		return this.finish(first);
	}

	ended() {
		this.forget();
		this.onSignedOut();
	}

	async send(method, path, opts) {
		const headers = { Accept: opts.accept || 'application/json' };
		if (this.access && !opts.anonymous) headers.Authorization = `Bearer ${this.access}`;
		if (opts.ifMatch !== undefined && opts.ifMatch !== null) headers['If-Match'] = `"${opts.ifMatch}"`;
		const init = { method, headers, cache: 'no-store', credentials: 'omit', redirect: 'error' };
		if (opts.body !== undefined) {
			headers['Content-Type'] = opts.contentType || 'application/json';
			init.body = JSON.stringify(opts.body);
		}
		let res;
		try {
			res = await fetch(path, init);
		} catch (e) {
			throw new ApiError(0, { title: 'Network error', detail: String(e.message || e) });
		}
		return { res, status: res.status, data: await parse(res) };
	}

	finish(r) {
		if (r.status >= 200 && r.status < 300) {
			const etag = r.res.headers.get('ETag');
			return { status: r.status, data: r.data, etag: etag ? etag.replace(/^W\//, '').replace(/"/g, '') : null, headers: r.res.headers };
		}
		throw new ApiError(r.status, problemOf(r.status, r.data));
	}

	get(path, opts) {
		return this.call('GET', path, opts).then((r) => r.data);
	}
}

// query({a: 1, b: ''}) → "?a=1" (empty values left out).
export function query(params) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.append(k, v);
	const s = q.toString();
	return s ? `?${s}` : '';
}

// Every permission of API.md; the console lists the owner role's own
// permissions where it can read them (GET /v1/roles), this list otherwise.
export const PERMISSIONS = [
	'records:read', 'records:write', 'records:delete', 'collections:manage',
	'users:read', 'users:manage', 'roles:manage', 'apikeys:manage',
	'config:read', 'config:write', 'audit:read', 'pii:read', 'privacy:manage',
	'keys:manage',
];
