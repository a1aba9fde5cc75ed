"""The people file (people.csv): alts and their mains, read as officers save it, every mistake
named with its line."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from clanstats.errors import ConfigError
from clanstats.settings import PROJECT_ROOT
from clanstats.transform.people_file import AltLink, read_people_file


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_people_file_reads_comments_bom_and_excel_semicolons(tmp_path: Path) -> None:
    text = "\ufeff# alts\nalt;main;;\nIron Bob;Bob;;\n\nBob Pure;Bob\n"
    assert read_people_file(write(tmp_path, text)) == [
        AltLink(line=3, alt="Iron Bob", main="Bob"),
        AltLink(line=5, alt="Bob Pure", main="Bob"),
    ]
    assert read_people_file(tmp_path / "absent.csv") == []
    assert read_people_file(write(tmp_path, "# only comments\n")) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("rsn,person\n", "people.csv line 1: the first line must be the header `alt,main`"),
        ("alt,main\nIron Bob\n", "line 2: expected 2 values (alt,main), found 1"),
        ("alt,main\nIron Bob,Bob,Al\n", "line 2: expected 2 values (alt,main), found 3"),
        ("alt,main\n<b>x</b>,Bob\n", "line 2: alt '<b>x</b>' is not an in-game name"),
        ("alt,main\nIron Bob,\n", "line 2: expected 2 values"),
        ("alt,main\nIron Bob,a name far too long\n", "line 2: main 'a name far too long' is not"),
        ("alt,main\nIron_Bob,iron bob\n", "line 2: 'Iron_Bob' is named as its own alt"),
        (
            "alt,main\nIron Bob,Bob\niron-bob,Al\n",
            "line 3: 'iron-bob' is already an alt on line 2; an alt has one main",
        ),
        (
            "alt,main\nIron Bob,Bob\nBob,Al\n",
            "line 3: 'Bob' is a main on line 2; give its alts this line's main instead",
        ),
        (
            "alt,main\nIron Bob,Bob\nPure,Iron Bob\n",
            "line 3: 'Iron Bob' is an alt on line 2; name that alt's main instead",
        ),
    ],
)
def test_people_file_mistakes_name_their_line(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_people_file(write(tmp_path, body))
    assert str(caught.value).startswith("people.csv")
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_people_file_reports_its_first_five_mistakes_and_counts_the_rest(tmp_path: Path) -> None:
    body = "alt,main\n" + "".join(f"Alt {n}\n" for n in range(8))
    with pytest.raises(ConfigError) as caught:
        read_people_file(write(tmp_path, body))
    message = str(caught.value)
    assert message.count("expected 2 values") == 5
    assert message.endswith("(and 3 more)")


def test_people_file_in_a_legacy_encoding_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes("alt,main\nJos\xe9 Iron,Jos\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="save it as UTF-8 CSV"):
        read_people_file(path)


def test_the_example_saved_by_a_spreadsheet_with_an_alt_added_reads_back(tmp_path: Path) -> None:
    """A spreadsheet quotes a cell with a comma or a quote in it; comments stay comments."""
    example = (PROJECT_ROOT / "people.example.csv").read_text(encoding="utf-8")
    path = tmp_path / "people.csv"
    with path.open("w", encoding="utf-8", newline="") as saved:
        writer = csv.writer(saved, quoting=csv.QUOTE_MINIMAL)
        for row in csv.reader(example.splitlines()):
            writer.writerow(row)
        writer.writerow(["Iron Bob", "Bob"])
        writer.writerow(['# said "hi", in quotes'])
    assert read_people_file(path) == [
        AltLink(line=path.read_text().count("\n") - 1, alt="Iron Bob", main="Bob")
    ]


def test_rows_a_semicolon_locale_added_under_a_comma_header_are_read(tmp_path: Path) -> None:
    assert read_people_file(write(tmp_path, "alt,main\nIron Bob;Bob;;\nPure,Bob\n")) == [
        AltLink(line=2, alt="Iron Bob", main="Bob"),
        AltLink(line=3, alt="Pure", main="Bob"),
    ]
