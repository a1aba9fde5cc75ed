"""The benchmark: the real pipeline on a simulated clan served on loopback, measured per stage.

    python -m clanstats.bench --size M --json bench-m.json

`sizes` (S, M, L and custom), `world` (simulated clans, their Discord, the loopback servers and
the stages' settings), `scenarios` (first run, daily run, nothing new: each a pipeline run),
`measure` (a stage process's time and peak memory, requests per source), `database` (which
database, and its size), `report` (JSON, tables, targets), `cli` (the command line).
"""
