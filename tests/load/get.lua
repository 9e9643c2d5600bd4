-- get.lua - GET one record by id, authenticated.  BENCH_CACHED=1 adds
-- "Cache-Control: max-age=1" (the client accepts a second-old answer, so
-- nginx's microcache may serve it); BENCH_DELAY_MS paces each connection
-- (a steady, moderate load for the noisy-neighbour scenario).
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")
local rows, cached, pause

setup = c.setup
done = c.done

function init(args)
	c.seed()
	rows = c.load()
	cached = os.getenv("BENCH_CACHED") == "1"
	pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
end

function request()
	local r = c.pick(rows)
	local h = { ["Host"] = r.host, ["Authorization"] = "Bearer " .. r.tok }
	if cached then h["Cache-Control"] = "max-age=1" end
	return wrk.format("GET", "/v1/collections/items/records/" .. r.rid, h)
end

if (tonumber(os.getenv("BENCH_DELAY_MS") or "0")) > 0 then
	function delay()
		return pause
	end
end
