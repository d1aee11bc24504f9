-- GET the list's first page (25 clients, creation order).
local b = dofile(os.getenv("BENCH_WRK_DIR") .. "/lib.lua")
setup, init, done = b.setup, b.init, b.done
request = function() return wrk.format("GET", b.base, b.headers) end
