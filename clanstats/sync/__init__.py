"""The sync stage: deliver the newest outputs to folders, a signed HTTP receiver and Discord."""
