"""The report stage: the officers' Excel workbook, written from the derived tables.

`queries.py` and `freshness.py` read the database into plain rows; `formats.py` holds every
colour and number format; `sheets/` lays each sheet out; `workbook.py` writes them all to a temp
file and renames it over the last good workbook.
"""
