-- PUT one client: partial updates of varying fields on varying clients.
local b = dofile(os.getenv("BENCH_WRK_DIR") .. "/lib.lua")
setup, init, done = b.setup, b.init, b.done
request = b.put
