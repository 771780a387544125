-- wrk script. With WRK_PATHS naming a file of URL paths (one a line), every
-- request takes the next path in turn, so the load spreads over many pages;
-- without it, wrk requests the URL it was given. Either way, done() prints
-- one JSON line with the counts and latencies that bench/wrk.py reads.

local paths = {}
local file = os.getenv("WRK_PATHS")
if file and file ~= "" then
  for line in io.lines(file) do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
end

local threads = 0
local position = 1
local thread_list = {}
-- With WRK_CACHE_STATS set, responses are counted by their X-Cache header.
local count_cache = os.getenv("WRK_CACHE_STATS") == "1"
hits = 0
misses = 0

function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
  thread_list[#thread_list + 1] = thread
end

if count_cache then
  function response(status, headers, body)
    local seen = headers["X-Cache"] or headers["x-cache"]
    if seen == "hit" then
      hits = hits + 1
    elseif seen == "miss" then
      misses = misses + 1
    end
  end
end

function init(args)
  -- Threads start far apart in the list, so they do not ask for the same
  -- page at the same moment.
  if #paths > 0 then
    position = (thread_number * 7919) % #paths + 1
  end
end

if #paths > 0 then
  function request()
    local path = paths[position]
    position = position % #paths + 1
    return wrk.format("GET", path)
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  local all_hits, all_misses = 0, 0
  for _, thread in ipairs(thread_list) do
    all_hits = all_hits + (thread:get("hits") or 0)
    all_misses = all_misses + (thread:get("misses") or 0)
  end
  io.write(string.format(
    '{"hits": %.0f, "misses": %.0f, '
      .. '"requests": %.0f, "duration_us": %.0f, "bytes": %.0f, '
      .. '"p50_us": %.0f, "p90_us": %.0f, "p99_us": %.0f, "max_us": %.0f, '
      .. '"status_errors": %.0f, "connect": %.0f, "read": %.0f, '
      .. '"write": %.0f, "timeout": %.0f}\n',
    all_hits, all_misses, summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, errors.status, errors.connect, errors.read, errors.write,
    errors.timeout
  ))
end
