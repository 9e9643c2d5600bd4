-- list.lua - 20 records filtered on an indexed field (category, 50
-- values), through the pivot index.
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
		"/v1/collections/items/records?filter%5Bcategory%5D=c" ..
		math.random(0, 49) .. "&limit=20",
		{ ["Host"] = r.host, ["Authorization"] = "Bearer " .. r.tok })
end
