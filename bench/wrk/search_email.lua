-- GET the list searched by email.
local b = dofile(os.getenv("BENCH_WRK_DIR") .. "/lib.lua")
setup, init, done = b.setup, b.init, b.done
request = function()
  return wrk.format("GET", b.base .. "?search_by=email&search_term=" .. b.client().email, b.headers)
end
