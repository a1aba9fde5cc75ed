"""Transform: derive the tables every output reads from the raw harvest tables."""
