-- postgraphile.lua - PostGraphile v4 (tests/load/postgraphile) answering
-- the same read as get.lua: one record by (tenant, id), under the same
-- row-level security, authenticated by an HS256 bearer token.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")
local rows
local q = 'query($t: UUID!, $id: UUID!) { recordByTenantIdAndId(tenantId: $t, id: $id) { data } }'

setup = c.setup
done = c.done

function init(args)
	c.seed()
	rows = c.load()
end

function request()
	local r = c.pick(rows)
	return wrk.format("POST", "/graphql",
		{ ["Host"] = "floor.bench", ["Content-Type"] = "application/json",
		  ["Authorization"] = "Bearer " .. r.tok },
		'{"query":"' .. q .. '","variables":{"t":"' .. r.tid ..
		'","id":"' .. r.rid .. '"}}')
end
