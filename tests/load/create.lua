-- create.lua - POST a record: validation, index pivot, counter, audit
-- event, one transaction.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")
local rows, n

setup = c.setup
done = c.done

function init(args)
	c.seed()
	rows = c.load()
	n = 0
end

function request()
	local r = c.pick(rows)
	n = n + 1
	local body = string.format(
		'{"data":{"title":"bench %d-%d","category":"c%d","price":%d.5,"qty":%d}}',
		tno or 0, n, math.random(0, 49), math.random(1, 999), n)
	return wrk.format("POST", "/v1/collections/items/records",
		{ ["Host"] = r.host, ["Authorization"] = "Bearer " .. r.tok,
		  ["Content-Type"] = "application/json" }, body)
end
