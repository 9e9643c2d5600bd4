-- load.lua - wrk script of tests/citus/move.sh: one request per connection
-- every DELAY_MS, each answer logged as "epoch status retry-after id" in
-- OUT.<thread>.  METHOD POST sends a new record each time.
local counter = 0
function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
end

local out, n
local method = os.getenv("METHOD") or "GET"
local pause = tonumber(os.getenv("DELAY_MS") or "20")

function init(args)
	out = io.open(os.getenv("OUT") .. "." .. tid, "w")
	n = 0
end

function delay()
	return pause
end

function request()
	n = n + 1
	if method == "POST" then
		return wrk.format("POST", nil, nil,
			'{"data":{"title":"w' .. tid .. '-' .. n .. '","n":' .. n .. '}}')
	end
	return wrk.format("GET")
end

function response(status, headers, body)
	local id = body:match('"id"%s*:%s*"([0-9a-f-]+)"') or "-"
	local ra = headers["Retry-After"] or headers["retry-after"] or "-"
	out:write(os.time(), " ", status, " ", ra, " ", id, "\n")
	out:flush()
end
