-- static.lua - nginx serving a 200-byte file: the ceiling of the front.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")

setup = c.setup
done = c.done

function request()
	return wrk.format("GET", "/static.txt", { ["Host"] = "floor.bench" })
end
