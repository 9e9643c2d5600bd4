-- common.lua - shared by the wrk scripts of make bench.
--
-- The data file (BENCH_DATA) has one "host tenant_id token record_id" per
-- line: every seeded user of every tenant with a sample of its tenant's
-- records.  Each wrk thread loads it and picks a random line per request,
-- so requests spread over tenants, users and records.  done() prints one
-- line "BENCH_JSON {...}" that bench.sh reads.
local M = {}

function M.load()
	local path = os.getenv("BENCH_DATA")
	local limit = tonumber(os.getenv("BENCH_ROWS") or "0")
	local rows = {}
	for line in io.lines(path) do
		local host, tid, tok, rid = line:match("^(%S+) (%S+) (%S+) (%S+)$")
		if host then
			rows[#rows + 1] = { host = host, tid = tid, tok = tok, rid = rid }
			if limit > 0 and #rows >= limit then break end
		end
	end
	assert(#rows > 0, "no rows in " .. tostring(path))
	return rows
end

local counter = 0
function M.setup(thread)
	counter = counter + 1
	thread:set("tno", counter)
end

function M.seed()
	math.randomseed(os.time() * 1000 + (tno or 0) * 7919)
end

function M.pick(rows)
	return rows[math.random(#rows)]
end

function M.done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		'BENCH_JSON {"requests":%d,"duration_s":%.3f,"rps":%.1f,' ..
		'"p50_ms":%.3f,"p99_ms":%.3f,"non2xx":%d,"socket_errors":%d}\n',
		summary.requests, summary.duration / 1e6,
		summary.requests / (summary.duration / 1e6),
		latency:percentile(50) / 1000, latency:percentile(99) / 1000,
		e.status, e.connect + e.read + e.write + e.timeout))
end

return M
