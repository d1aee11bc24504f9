-- Shared by the bench scripts: the token, the sampled clients, and the report hook.
-- Environment: BENCH_TOKEN (staff token), BENCH_SAMPLE (id<TAB>email<TAB>phone<TAB>updated_at),
-- BENCH_NONCE (unique per run, for emails that must not collide).
local M = {}

M.token = os.getenv("BENCH_TOKEN")
M.nonce = os.getenv("BENCH_NONCE") or tostring(os.time())
M.clients = {}
for line in io.lines(os.getenv("BENCH_SAMPLE")) do
  local id, email, phone, updated = line:match("^(%S+)\t(%S+)\t(%S+)\t(%S+)$")
  if id then
    M.clients[#M.clients + 1] = { id = id, email = email, phone = phone, updated_at = updated }
  end
end
M.headers = { ["Authorization"] = "Bearer " .. M.token, ["Content-Type"] = "application/json" }
M.base = "/platform/v1/clients"

local counter = 0
local thread_id = 0

function M.setup(thread)
  thread_id = thread_id + 1
  thread:set("bench_thread", thread_id)
end

function M.init()
  math.randomseed(os.time() + (bench_thread or 0) * 7919)
end

function M.next()
  counter = counter + 1
  return counter
end

function M.client()
  return M.clients[math.random(#M.clients)]
end

function M.tag()
  return string.format("%s-%d-%d", M.nonce, bench_thread or 0, M.next())
end

-- Request builders shared by the single-case scripts and the mixed workload.
function M.get_one()
  return wrk.format("GET", M.base .. "/" .. M.client().id, M.headers)
end

local put_bodies = {
  function(t) return string.format('{"first_name": "Ada %s"}', t) end,
  function(t) return string.format('{"last_name": "Lovelace %s", "address": "%s Main St"}', t, t) end,
  function(t) return string.format('{"tags": "vip, bench-%s"}', t) end,
  function(t) return string.format('{"custom_field1": "note %s", "opt_in": %s}', t, tostring(math.random(2) == 1)) end,
  function(t) return string.format('{"status": "customer", "custom_field2": "%s", "mobile_phone": "+1 212 555 %04d"}', t, math.random(0, 9999)) end,
}

function M.put()
  local body = put_bodies[math.random(#put_bodies)](M.tag())
  return wrk.format("PUT", M.base .. "/" .. M.client().id, M.headers, body)
end

function M.post()
  local t = M.tag()
  local body = string.format(
    '{"first_name": "New", "last_name": "Client %s", "email": "new.%s@bench.example", ' ..
    '"phone": "+1 646 555 %04d", "tags": "bench", "source_name": "bench"}', t, t, math.random(0, 9999))
  return wrk.format("POST", M.base, M.headers, body)
end

function M.done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_ms": %.3f, ' ..
    '"p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "non2xx": %d, "socket_errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end

return M
