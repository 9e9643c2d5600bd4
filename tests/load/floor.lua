-- floor.lua - the floor responder: the same tenant-scoped read by id, no
-- authentication, no JSON work.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")
local rows

setup = c.setup
done = c.done

function init(args)
	c.seed()
	rows = c.load()
end

function request()
	local r = c.pick(rows)
	return wrk.format("GET", "/floor?t=" .. r.tid .. "&r=" .. r.rid,
		{ ["Host"] = "floor.bench" })
end
