-- GET one client, chosen at random from the sample.
local b = dofile(os.getenv("BENCH_WRK_DIR") .. "/lib.lua")
setup, init, done = b.setup, b.init, b.done
request = b.get_one
