// tokens.js IN OUT - the PostGraphile tokens of make bench's comparison:
// each "host tenant_id token record_id" line of IN becomes the same line
// with an HS256 token for server.js (tenant_id and sub claims, audience
// "bench", an hour's life), so both servers read the same records.
"use strict";
const fs = require("fs");
const jwt = require("jsonwebtoken");
const [inFile, outFile] = process.argv.slice(2);
const secret = process.env.JWT_SECRET;
const out = [];
for (const line of fs.readFileSync(inFile, "utf8").split("\n")) {
	const f = line.split(" ");
	if (f.length !== 4) continue;
	const tok = jwt.sign({ tenant_id: f[1], sub: "bench" }, secret,
		{ algorithm: "HS256", audience: "bench", expiresIn: 3600 });
	out.push([f[0], f[1], tok, f[3]].join(" "));
}
fs.writeFileSync(outFile, out.join("\n") + "\n");
