-- mixed.lua - 90 % GET by id, 10 % POST, over the tenants of BENCH_DATA
-- (bench.sh gives it 100 tenants).
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
	local h = { ["Host"] = r.host, ["Authorization"] = "Bearer " .. r.tok }
	if math.random(10) > 1 then
		return wrk.format("GET", "/v1/collections/items/records/" .. r.rid, h)
	end
	n = n + 1
	h["Content-Type"] = "application/json"
	return wrk.format("POST", "/v1/collections/items/records", h, string.format(
		'{"data":{"title":"mixed %d-%d","category":"c%d","price":1.5,"qty":1}}',
		tno or 0, n, math.random(0, 49)))
end
