"""Logging: a rotating `app.log` shared by the orchestrator and the stages, and the console."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path

from rich.console import Console
from rich.control import Control, ControlType
from rich.logging import RichHandler
from tqdm import tqdm

LOG_FORMAT = "%(asctime)s %(levelname)-7s [%(process)d] %(name)s: %(message)s"
MAX_LOG_BYTES = 2_000_000
LOG_BACKUPS = 5

console = Console(stderr=True, highlight=False)
# Pass as `extra=FILE_ONLY` for a record already shown to the user in its own words.
FILE_ONLY = {"console": False}
# A bar appears only for work that takes longer than this, so quick steps don't flicker.
PROGRESS_DELAY_SECONDS = 0.5


def on_terminal() -> bool:
    """Whether stderr is a terminal a person watches (not a log file, a pipe or a scheduler)."""
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced by an object without isatty, or closed
        return False


def progress_bar(
    iterable: Iterable[object] | None = None,
    *,
    desc: str,
    unit: str,
    total: int | None = None,
) -> tqdm:
    """A progress bar on a terminal; nothing at all when stderr is a file, a pipe or a scheduler.

    The bar is erased when it closes (`leave=False`) and leaves the cursor at the start of an
    empty line, so whatever is printed next starts a line of its own.
    """
    return tqdm(
        iterable,
        desc=desc,
        unit=unit,
        total=total,
        leave=False,
        disable=not on_terminal(),
        delay=PROGRESS_DELAY_SECONDS,
        file=sys.stderr,
        dynamic_ncols=True,
    )


def close_progress_bars() -> None:
    """Close (and so erase) every bar still open: a stage stopped in the middle of a loop."""
    for bar in list(getattr(tqdm, "_instances", ())):
        bar.close()


def start_clean_line() -> None:
    """On a terminal, erase what a stopped child process left on the cursor's line (a bar).

    Output that ends its lines is untouched: the cursor is then at the start of an empty line.
    """
    if console.is_terminal:
        console.control(
            Control((ControlType.CARRIAGE_RETURN,)), Control((ControlType.ERASE_IN_LINE, 2))
        )


class _ConsoleHandler(RichHandler):
    """Rich's console handler, clearing open progress bars while it writes, then redrawing them.

    Without it a warning logged during a bar is glued to the bar's end.
    """

    def emit(self, record: logging.LogRecord) -> None:
        if not getattr(tqdm, "_instances", None):
            super().emit(record)
            return
        with tqdm.external_write_mode(file=sys.stderr):
            super().emit(record)


class _ConsoleFilter(logging.Filter):
    """Keep records marked FILE_ONLY off the console."""

    def filter(self, record: logging.LogRecord) -> bool:
        return bool(getattr(record, "console", True))


def silence_until_configured() -> None:
    """Drop records logged before setup_logging (Python would print them raw to stderr)."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.NullHandler())


class UtcFormatter(logging.Formatter):
    """app.log's times in UTC, ISO 8601 with milliseconds and the offset
    (`2026-11-19T06:02:03.123+00:00`): one instant each, even in the hour clocks go back."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def setup_logging(log_file: Path, level: str = "INFO") -> None:
    """Send records to app.log (rotating) and warnings and worse to the console (stderr)."""
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    file_handler = RotatingFileHandler(
        log_file, maxBytes=MAX_LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    file_handler.setFormatter(UtcFormatter(LOG_FORMAT))
    root.addHandler(file_handler)
    console_handler: logging.Handler
    if console.is_terminal:
        console_handler = _ConsoleHandler(console=console, show_path=False, show_time=False)
    else:
        # A log file, a pipe or a scheduler: one plain line a record, not wrapped or padded.
        console_handler = logging.StreamHandler(sys.stderr)
        console_handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
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
