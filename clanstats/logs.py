"""Logging: a rotating `app.log` shared by the orchestrator and the stages, and the console."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from logging.handlers import RotatingFileHandler
from pathlib import Path

from rich.console import Console
from rich.logging import RichHandler

LOG_FORMAT = "%(asctime)s %(levelname)-7s [%(process)d] %(name)s: %(message)s"
MAX_LOG_BYTES = 2_000_000
LOG_BACKUPS = 5

console = Console(stderr=True, highlight=False)
# Pass as `extra=FILE_ONLY` for a record already shown to the user in its own words.
FILE_ONLY = {"console": False}


class _ConsoleFilter(logging.Filter):
    """Keep records marked FILE_ONLY off the console."""

    def filter(self, record: logging.LogRecord) -> bool:
        return bool(getattr(record, "console", True))


def silence_until_configured() -> None:
    """Drop records logged before setup_logging (Python would print them raw to stderr)."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.NullHandler())


def setup_logging(log_file: Path, level: str = "INFO") -> None:
    """Send records to app.log (rotating) and warnings and worse to the console."""
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    file_handler = RotatingFileHandler(
        log_file, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(file_handler)
    console_handler = RichHandler(console=console, show_path=False, show_time=False)
    console_handler.setLevel(logging.WARNING)
    console_handler.addFilter(_ConsoleFilter())
    root.addHandler(console_handler)
    for noisy in ("urllib3", "alembic", "filelock"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # Without the gateway discord.py warns about intents and voice support we don't use.
    logging.getLogger("discord").setLevel(logging.ERROR)


@contextmanager
def file_logging_paused() -> Iterator[None]:
    """Close app.log while a child process writes to it.

    Only one process may hold the file: on Windows a rotation fails while another has it open.
    """
    root = logging.getLogger()
    handlers = [h for h in root.handlers if isinstance(h, RotatingFileHandler)]
    for handler in handlers:
        handler.close()
    try:
        yield
    finally:
        # RotatingFileHandler reopens its stream on the next record.
        pass
