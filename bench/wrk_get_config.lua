-- wrk script: `tools/call get_config` over MCP streamable HTTP on one initialized session.
-- Environment: MCP_TOKEN (bearer token), MCP_SESSION (Mcp-Session-Id), MCP_CLIENT and
-- MCP_PROFILE (default claude-desktop / default). Each request gets a unique JSON-RPC id from
-- a per-thread counter; done() reports non-200 statuses and isError results (the run fails
-- the check in bench/mcp.sh when either is non-zero).
--   wrk -t1 -c1 -d5s --latency -s bench/wrk_get_config.lua http://127.0.0.1:PORT/mcp

local token = os.getenv("MCP_TOKEN") or error("set MCP_TOKEN")
local session = os.getenv("MCP_SESSION") or error("set MCP_SESSION")
local client = os.getenv("MCP_CLIENT") or "claude-desktop"
local profile = os.getenv("MCP_PROFILE") or "default"

local threads = {}

function setup(thread)
  thread:set("thread_no", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  non_200 = 0
  is_error = 0
  no_result = 0
  responses = 0
  first_body = nil
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json, text/event-stream"
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.headers["Mcp-Session-Id"] = session
  wrk.headers["MCP-Protocol-Version"] = "2025-06-18"
  suffix = ',"method":"tools/call","params":{"name":"get_config","arguments":{"client_id":"'
    .. client .. '","profile_id":"' .. profile .. '"}}}'
end

function request()
  counter = counter + 1
  -- ids: thread number followed by a 7-digit counter, unique across threads.
  local body = '{"jsonrpc":"2.0","id":' .. (thread_no * 10000000 + counter) .. suffix
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 then
    non_200 = non_200 + 1
  elseif body:find('"isError":true', 1, true) then
    is_error = is_error + 1
  elseif not body:find('"result":', 1, true) then
    no_result = no_result + 1
  end
  if first_body == nil then
    first_body = status .. " " .. body:sub(1, 200)
  end
end

function done(summary, latency, requests)
  local non_200, is_error, no_result, responses = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    non_200 = non_200 + thread:get("non_200")
    is_error = is_error + thread:get("is_error")
    no_result = no_result + thread:get("no_result")
    responses = responses + thread:get("responses")
  end
  io.write(string.format("checked: %d responses, %d non-200, %d isError, %d without result\n",
    responses, non_200, is_error, no_result))
  io.write(string.format("first: %s\n", tostring(threads[1]:get("first_body"))))
  io.write(string.format(
    "summary: requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
      + summary.errors.timeout))
end
