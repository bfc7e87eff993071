-- wrk script: one GET of the REST API with a bearer token, every answer checked.
-- Environment: REST_TOKEN (bearer token), REST_STATUS (the status every answer must have,
-- default 200), REST_ETAG=1 (every answer must carry an ETag), REST_IF_NONE_MATCH (sent as
-- If-None-Match when set). done() prints the checks and a summary line for bench/rest.sh.
--   wrk -t1 -c8 -d5s --latency -s bench/wrk_rest.lua http://127.0.0.1:PORT/v1/clients/cursor/profiles/default/head

local token = os.getenv("REST_TOKEN") or error("set REST_TOKEN")
local want = tonumber(os.getenv("REST_STATUS") or "200")
local want_etag = os.getenv("REST_ETAG") == "1"
local if_none_match = os.getenv("REST_IF_NONE_MATCH")

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrong_status = 0
  no_etag = 0
  responses = 0
  first = nil
  wrk.headers["Authorization"] = "Bearer " .. token
  if if_none_match then
    wrk.headers["If-None-Match"] = if_none_match
  end
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= want then
    wrong_status = wrong_status + 1
  end
  if want_etag and headers["ETag"] == nil and headers["etag"] == nil then
    no_etag = no_etag + 1
  end
  if first == nil then
    first = status .. " " .. body:sub(1, 160)
  end
end

function done(summary, latency, requests)
  local wrong, missing, total = 0, 0, 0
  for _, thread in ipairs(threads) do
    wrong = wrong + thread:get("wrong_status")
    missing = missing + thread:get("no_etag")
    total = total + thread:get("responses")
  end
  io.write(string.format("checked: %d responses, %d wrong status, %d without ETag\n", total, wrong, missing))
  io.write(string.format("first: %s\n", tostring(threads[1]:get("first"))))
  io.write(string.format(
    "summary: requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
