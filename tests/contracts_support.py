"""The official API definitions, from the pinned npm packages in tests/contracts, for pytest.

`tests/contracts` pins `@wise-old-man/utils` (its `dist/index.d.ts` types every WOM answer) and
`discord-api-spec` (Zod schemas generated from Discord's OpenAPI document); its node scripts
turn them into JSON Schemas (`schemas.mjs`) and check recorded answers against them
(`validate.mjs`). This module runs those scripts, once per test session for the schemas, and
builds Hypothesis strategies of valid instances from the JSON Schemas.

Without Node.js or the packages every test that needs them skips, saying what to install.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock
from hypothesis import strategies as st

from clanstats.settings import PROJECT_ROOT

CONTRACTS = PROJECT_ROOT / "tests" / "contracts"
NODE = shutil.which("node")
# Every package the scripts import; `npm ci` installs them at the versions of package-lock.json.
PACKAGES = (
    "@wise-old-man/utils",
    "discord-api-spec",
    "ts-json-schema-generator",
    "typescript",
    "zod",
    "ajv",
    "ajv-formats",
)
INSTALL = "install Node.js, then run `npm ci --prefix tests/contracts`"
NODE_TIMEOUT = 120

Json = Any


def _missing() -> str | None:
    """Why the official definitions can't be read here, or None when they can."""
    if NODE is None:
        return f"Node.js isn't installed: {INSTALL}"
    absent = [p for p in PACKAGES if not (CONTRACTS / "node_modules" / p / "package.json").exists()]
    if absent:
        return f"the contract packages aren't installed ({', '.join(absent)}): {INSTALL}"
    return None


MISSING = _missing()
needs_contracts = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


def pinned_versions() -> dict[str, str]:
    """The version package-lock.json pins for each official-definition package."""
    lock = json.loads((CONTRACTS / "package-lock.json").read_text(encoding="utf-8"))
    packages = lock["packages"]
    return {name: packages[f"node_modules/{name}"]["version"] for name in PACKAGES}


def _node(*args: str) -> Json:
    """Run a script of tests/contracts with node and return the JSON it prints."""
    assert NODE is not None, MISSING
    done = subprocess.run(
        [NODE, *args],
        cwd=CONTRACTS,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"node {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout)


# --------------------------------------------------------------------------- the schemas


@dataclass(frozen=True)
class Schemas:
    """The generated JSON Schemas: one per WOM answer, one per Discord operation."""

    folder: Path
    wom: dict[str, Json]
    discord: dict[str, Json]
    versions: dict[str, str]


def _session_root(factory: pytest.TempPathFactory) -> Path:
    """A folder every pytest-xdist worker of this run shares (the base temp's parent)."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


_loaded: dict[Path, Schemas] = {}


def official_schemas(factory: pytest.TempPathFactory) -> Schemas:
    """Generate the JSON Schemas once per test session (workers wait for the first one)."""
    folder = _session_root(factory) / "official-schemas"
    if folder in _loaded:
        return _loaded[folder]
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock"):
        report = folder / "report.json"
        if not report.exists():
            generated = _node("schemas.mjs", str(folder))
            report.write_text(json.dumps(generated), encoding="utf-8")
        generated = json.loads(report.read_text(encoding="utf-8"))
    wom = json.loads((folder / "wom.schema.json").read_text(encoding="utf-8"))
    discord = json.loads((folder / "discord.schema.json").read_text(encoding="utf-8"))
    versions = {
        "@wise-old-man/utils": generated["wom"]["version"],
        "discord-api-spec": generated["discord"]["version"],
    }
    _loaded[folder] = Schemas(folder, wom["definitions"], discord["definitions"], versions)
    return _loaded[folder]


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Recorded:
    """One recorded answer and the official definition it must satisfy."""

    api: str  # "wom" or "discord"
    definition: str  # a WOM response name (GetGroupDetails) or a Discord operation id
    body: Json
    request: str = ""  # what was asked, for messages: "GET /groups/4242"


@dataclass(frozen=True)
class Verdict:
    """What validate.mjs said about one recorded answer."""

    valid: bool
    errors: list[dict[str, str]] = field(default_factory=list)
    error_count: int = 0

    def paths(self) -> set[str]:
        """The JSON pointers complained about, with array indexes written as `N`."""
        return {re.sub(r"/\d+(?=/|$)", "/N", error["path"]) for error in self.errors}

    def describe(self, recorded: Recorded) -> str:
        """The complaints in a few lines, for an assertion message."""
        lines = [f"{recorded.request or recorded.definition} ({self.error_count} problems):"]
        lines += [f"  {e['path'] or '/'}: {e['message']}" for e in self.errors[:15]]
        return "\n".join(lines)


def validate(
    schemas: Schemas, recorded: Mapping[str, Recorded], folder: Path
) -> dict[str, Verdict]:
    """Check every recorded answer against its official definition, in one node run."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, item in recorded.items():
        envelope = {"api": item.api, "definition": item.definition, "body": item.body}
        (folder / f"{name}.json").write_text(json.dumps(envelope), encoding="utf-8")
    report = _node("validate.mjs", str(schemas.folder), str(folder))
    verdicts = {}
    for file, result in report["results"].items():
        verdicts[file.removesuffix(".json")] = Verdict(
            result["valid"], result["errors"], result["error_count"]
        )
    return verdicts


# --------------------------------------------------------------------------- instances

# Fields an API might add tomorrow: a new name (never one the definition declares: those are
# filtered) with a small JSON value. At most one per object, so a snapshot's 113 metric
# objects stay cheap to draw.
_NEW_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
_NEW_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
    st.lists(st.integers(0, 9), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers(0, 9), max_size=2),
)


@dataclass
class Instances:
    """Hypothesis strategies of the instances a JSON Schema allows.

    Objects, arrays and unions are built here from Hypothesis' own collection strategies
    (`fixed_dictionaries` with the optional fields optional), so a snapshot's 113 metric
    objects cost little; every leaf (strings with their format or pattern, bounded numbers,
    enums, constants, nullable types) is hypothesis-jsonschema's `from_schema`. With
    `extra=True` every object may also carry fields the definition doesn't declare, which an
    API adding fields sends.
    """

    extra: bool = False
    _leaves: dict[str, st.SearchStrategy[Json]] = field(default_factory=dict)

    def __call__(self, schema: Json) -> st.SearchStrategy[Json]:
        """Return a strategy for a whole definition, under a short name.

        (Hypothesis prints strategies in reports; a snapshot's would run to hundreds of kB.)
        """
        inner = self.of(schema)

        @st.composite
        def instances_of_the_definition(draw: st.DrawFn) -> Json:
            return draw(inner)

        return instances_of_the_definition()

    def of(self, schema: Json) -> st.SearchStrategy[Json]:
        """Return a strategy for a (sub)schema."""
        if schema is True or schema == {}:
            return _NEW_VALUES
        if "anyOf" in schema:
            rest = {k: v for k, v in schema.items() if k not in ("anyOf", "description", "$schema")}
            assert not rest, f"anyOf with siblings isn't handled: {sorted(rest)}"
            return st.one_of([self.of(member) for member in schema["anyOf"]])
        kind = schema.get("type")
        if kind == "object":
            return self._object(schema)
        if kind == "array":
            return st.lists(self.of(schema.get("items", True)), max_size=2)
        return self._leaf(schema)

    def _object(self, schema: Json) -> st.SearchStrategy[Json]:
        properties: dict[str, Json] = schema.get("properties", {})
        required = set(schema.get("required", []))
        more = schema.get("additionalProperties", True)
        if properties or more is False:
            known = st.fixed_dictionaries(
                {k: self.of(v) for k, v in properties.items() if k in required},
                optional={k: self.of(v) for k, v in properties.items() if k not in required},
            )
        else:  # a record: any names (propertyNames) mapping to one schema, none "extra"
            names = self._leaf(schema.get("propertyNames", {"type": "string"}))
            return st.dictionaries(names, self.of(more), max_size=3)
        if not self.extra:
            return known
        unknown = st.dictionaries(
            _NEW_NAMES.filter(lambda name: name not in properties), _NEW_VALUES, max_size=1
        )
        return st.builds(lambda a, b: {**b, **a}, known, unknown)

    def _leaf(self, schema: Json) -> st.SearchStrategy[Json]:
        leaf = {k: v for k, v in schema.items() if k not in ("description", "$schema")}
        if leaf.get("format") == "date-time":
            # RFC 3339, as the OpenAPI document and JSON Schema read `date-time`; Zod's
            # generated pattern (`Z` only) is not the definition's meaning (see validate.mjs).
            leaf.pop("pattern", None)
        key = json.dumps(leaf, sort_keys=True)
        if key not in self._leaves:
            from hypothesis_jsonschema import from_schema  # a dev dependency: only here

            strategy = from_schema(leaf)
            self._leaves[key] = strategy
        return self._leaves[key]
