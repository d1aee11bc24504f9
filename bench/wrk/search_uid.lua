-- GET the list searched by uid.
local b = dofile(os.getenv("BENCH_WRK_DIR") .. "/lib.lua")
setup, init, done = b.setup, b.init, b.done
request = function()
  return wrk.format("GET", b.base .. "?search_by=uid&search_term=" .. b.client().id, b.headers)
end
