-- Mixed workload: 70% GET one, 20% PUT, 10% POST.
local b = dofile(os.getenv("BENCH_WRK_DIR") .. "/lib.lua")
setup, init, done = b.setup, b.init, b.done
request = function()
  local r = math.random(100)
  if r <= 70 then return b.get_one() elseif r <= 90 then return b.put() else return b.post() end
end
