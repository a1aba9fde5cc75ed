"""The stage scripts, each run as `python -m scripts.<stage>`."""

from clanstats.warm_start import hold_interrupts_until_go

# First, before a stage's imports: a stage started ahead must not die of a Ctrl+C mid-import.
hold_interrupts_until_go()
