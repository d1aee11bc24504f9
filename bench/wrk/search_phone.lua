-- GET the list searched by phone (digits).
local b = dofile(os.getenv("BENCH_WRK_DIR") .. "/lib.lua")
setup, init, done = b.setup, b.init, b.done
request = function()
  return wrk.format("GET", b.base .. "?search_by=phone&search_term=" .. b.client().phone, b.headers)
end
