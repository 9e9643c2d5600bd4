// server.js - make bench's comparison: PostGraphile v4 serving the same
// authenticated, RLS-scoped read of one record by id as Strata's `get`.
//
//   PG_URL=... JWT_SECRET=... PORT=... WORKERS=2 node server.js
//
// WORKERS Node processes (the cluster module) share one HTTP port behind
// the bench's TLS nginx.  Each request carries "Authorization: Bearer
// <HS256 token>" whose tenant_id claim becomes strata.tenant_id for the
// transaction (pgSettings), so the records table's row-level security
// policy scopes the read exactly as it scopes Strata's; a token that does
// not verify is refused before any SQL.  The connection role is
// strata_app, as for Strata's workers.  Production options: no GraphiQL,
// no query log, no schema watch.
"use strict";
const cluster = require("cluster");
const http = require("http");

const workers = Number(process.env.WORKERS || 2);

if (cluster.isPrimary) {
	for (let i = 0; i < workers; i++) cluster.fork();
	cluster.on("exit", (w, code) => {
		console.error(`postgraphile: worker ${w.process.pid} exited ${code}`);
		process.exit(1);
	});
} else {
	const { postgraphile } = require("postgraphile");
	const { formatError } = require("graphql");
	const jwt = require("jsonwebtoken");
	const secret = process.env.JWT_SECRET;
	let logged = 0;

	const mw = postgraphile(process.env.PG_URL, "strata", {
		graphiql: false,
		disableQueryLog: true,
		watchPg: false,
		dynamicJson: true,
		setofFunctionsContainNulls: false,
		ignoreRBAC: false,
		// strata.records is partitioned (by hash of tenant_id): serve the
		// parent, as Strata reads it.
		usePartitionedParent: true,
		// GraphQL answers its errors with HTTP 200, which wrk counts as
		// success: the first few of each worker go to the log, where
		// make bench looks for any that came during its rounds.
		handleErrors: (errors) => {
			for (const e of errors)
				if (logged++ < 5) console.error(`postgraphile: graphql error: ${e.message}`);
			return errors.map(formatError);
		},
		pgSettings: (req) => {
			const h = req.headers.authorization || "";
			const m = /^Bearer (\S+)$/.exec(h);
			if (!m) throw Object.assign(new Error("no token"), { statusCode: 401 });
			const c = jwt.verify(m[1], secret, { algorithms: ["HS256"], audience: "bench" });
			return { "strata.tenant_id": String(c.tenant_id) };
		},
	});
	http.createServer(mw).listen(Number(process.env.PORT), "127.0.0.1");
}
