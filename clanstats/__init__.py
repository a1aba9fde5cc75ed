"""ClanStats: track an Old School RuneScape clan from Wise Old Man and Discord."""

__version__ = "0.1.0"
