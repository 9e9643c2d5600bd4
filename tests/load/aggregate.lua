-- aggregate.lua - the sum of prices by category (50 groups) over every
-- record of one tenant, on the pivot index.
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
	return wrk.format("GET",
		"/v1/collections/items/aggregate?group_by=category&metric=sum%28price%29",
		{ ["Host"] = r.host, ["Authorization"] = "Bearer " .. r.tok })
end
