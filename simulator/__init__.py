"""The simulator: a simulated clan, its Discord and ground truth, served by loopback fake APIs.

`clan` (WOM members, their progress and events) and `chat` (their Discord server) are the
simulated world; `wom_server`, `discord_server` and `upload_receiver` serve it on 127.0.0.1 in
the real APIs' shapes; `alliance` builds several clans at once; `truth` works out what every
output must say from the simulation alone. The demo, the benchmark and the tests use it; it
imports nothing from `clanstats`, so its truth stays independent of the code under test. It has
its own dependency, numpy (the `sim` extra). Fault injection lives with the tests (tests/faults/).
"""
