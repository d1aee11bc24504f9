-- GET the list searched by updated_at (at or after a sampled client's time).
local b = dofile(os.getenv("BENCH_WRK_DIR") .. "/lib.lua")
setup, init, done = b.setup, b.init, b.done
request = function()
  return wrk.format("GET", b.base .. "?search_by=updated_at&search_term=" .. b.client().updated_at, b.headers)
end
