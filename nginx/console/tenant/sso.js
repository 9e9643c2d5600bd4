// Single sign-on for the console: an OpenID Connect implicit flow
// (response_type=id_token) with the tenant's identity provider, as
// GET /v1/auth/providers describes it (issuer, authorization_endpoint,
// client_id; the tenant's auth.oidc).  The ID token that comes back is the
// console's bearer: the API verifies it (issuer, audience, signature, expiry)
// as it does for any client.  The console checks what only it can: the
// answer's state is the one it sent (no login forced on it by another site),
// and the token's nonce is the one it asked for (no token replayed from
// another flow).  The pair lives in sessionStorage for the round trip only.

const PENDING = 'strata.sso';

function random() {
	const b = new Uint8Array(32);
	crypto.getRandomValues(b);
	return btoa(String.fromCharCode(...b)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// The console's own address, which the provider sends the browser back to.
export function redirectUri() {
	return `${location.origin}${location.pathname}`;
}

// Leaves for the provider's authorization endpoint.
export function start(oidc) {
	const state = random();
	const nonce = random();
	sessionStorage.setItem(PENDING, JSON.stringify({ state, nonce, issuer: oidc.issuer }));
	const url = new URL(oidc.authorization_endpoint);
	url.searchParams.set('response_type', 'id_token');
	url.searchParams.set('response_mode', 'fragment');
	url.searchParams.set('client_id', oidc.client_id);
	url.searchParams.set('redirect_uri', redirectUri());
	url.searchParams.set('scope', 'openid email profile');
	url.searchParams.set('state', state);
	url.searchParams.set('nonce', nonce);
	location.assign(url.toString());
}

function claims(jwt) {
	const part = (jwt || '').split('.')[1];
	if (!part) return null;
	try {
		const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
		return JSON.parse(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)));
	} catch {
		return null;
	}
}

// The provider's answer in this page's fragment, if there is one: null
// (none), {token} (checked), or {error} (a sentence to show).  The fragment
// and the pending pair are removed at once, whatever the outcome: the token
// stays in neither the address bar, the history nor storage.
export function finish() {
	const f = new URLSearchParams(location.hash.replace(/^#/, ''));
	if (!f.has('state') && !f.has('id_token') && !f.has('error')) return null;
	history.replaceState(null, '', redirectUri());
	let pending = null;
	try {
		pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
	} catch {
		pending = null;
	}
	sessionStorage.removeItem(PENDING);
	if (f.has('error'))
		return { error: `Single sign-on failed: ${f.get('error_description') || f.get('error')}` };
	if (!pending || !pending.state || f.get('state') !== pending.state)
		return { error: 'Single sign-on refused: the answer was not for a sign-in started here (state).' };
	const token = f.get('id_token');
	const c = claims(token);
	if (!c || c.nonce !== pending.nonce)
		return { error: 'Single sign-on refused: the token was not issued for this sign-in (nonce).' };
	if (pending.issuer && c.iss !== pending.issuer)
		return { error: 'Single sign-on refused: the token comes from another issuer.' };
	return { token };
}
