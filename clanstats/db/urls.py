"""Database URLs as the user sees them: checked, compared, and shown without their password."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from clanstats.errors import ConfigError

SUPPORTED = ("sqlite", "postgresql")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
DEFAULT_PG_PORT = 5432


def masked(url: str | URL) -> str:
    """The URL with its password replaced by ***, safe to print and log."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(a URL that can't be read)"


def on_psycopg(url: URL) -> URL:
    """A PostgreSQL URL on the driver ClanStats installs (psycopg 3): `postgres://` (the short
    scheme some hosts hand out), `postgresql://` and other drivers become postgresql+psycopg."""
    return url.set(drivername="postgresql+psycopg")


def read_database_url(raw: str, *, data_dir: Path, name: str, show: bool) -> str:
    """The one reading of a database URL (DATABASE_URL, `migrate-db --to`): the URL the engine
    uses, or a ConfigError naming `name` (`show`: with the URL, its password masked).

    SQLite needs a file, a relative path taken inside `data_dir`; PostgreSQL runs on psycopg 3,
    whichever scheme names it (`postgres://`, which some hosts hand out, included).
    """
    expected = "postgresql+psycopg://user:password@host/dbname or sqlite:///path/to/file.db"
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):  # ValueError: a raw "@" or ":" in the password
        raise ConfigError(
            f"{name} is not a database URL: expected {expected} (a password with @, : or / in "
            "it must be written %40, %3A, %2F)"
        ) from None
    subject = f"{name} {masked(url)}" if show else name
    backend = url.get_backend_name()
    if backend in ("postgres", "postgresql"):
        if not url.database:
            raise ConfigError(f"{subject} names no database: add /dbname at the end of the URL")
        return on_psycopg(url).render_as_string(hide_password=False)
    if backend != "sqlite":
        raise ConfigError(
            f"{subject}: {backend} is not supported; use "
            "postgresql+psycopg://user:password@host/dbname or sqlite:///file.db"
        )
    if not url.database or url.database == ":memory:":
        raise ConfigError(
            f"{name} needs a file: sqlite:///path/to/file.db (an in-memory database can't be "
            "shared by the stages)"
        )
    path = Path(url.database)
    if not path.is_absolute():
        path = data_dir / path
    if not path.parent.is_dir():
        raise ConfigError(
            f"{name} points into {path.parent}, which doesn't exist; create the folder"
        )
    return f"sqlite:///{path.as_posix()}"


def sqlite_path_from_url(url: str) -> Path | None:
    """The file behind a `sqlite:///...` URL; None for in-memory databases and other engines."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def same_database(first: str, second: str) -> bool:
    """Whether two URLs name the same database (same file, or same server and database name)."""
    a, b = make_url(first), make_url(second)
    if a.get_backend_name() != b.get_backend_name():
        return False
    if a.get_backend_name() == "sqlite":
        return _sqlite_file(a) == _sqlite_file(b)
    return (_host(a), a.port or DEFAULT_PG_PORT, a.database) == (
        _host(b),
        b.port or DEFAULT_PG_PORT,
        b.database,
    )


def describe(url: str) -> str:
    """A short name for the database: its file, or host:port/dbname."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(parsed.database)
    return f"{parsed.host or 'localhost'}:{parsed.port or DEFAULT_PG_PORT}/{parsed.database}"


def error_detail(exc: BaseException, url: str) -> str:
    """The first line of a driver's error, with the URL's password taken out if it echoes it."""
    message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
    password = make_url(url).password
    return message.replace(str(password), "***") if password else message


def database_name(url: str) -> str:
    """The database's name: the file for SQLite, the database on the server otherwise."""
    return str(make_url(url).database)


def _sqlite_file(url: URL) -> Path:
    return Path(str(url.database)).resolve()


def _host(url: URL) -> str:
    host = (url.host or "localhost").lower()
    return "localhost" if host in LOOPBACK_NAMES else host
