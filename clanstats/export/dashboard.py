"""clan_dashboard.html: one self-contained page with its data, styles and script inline.

The page's sources are `templates/dashboard.html` (skeleton), `assets/dashboard.css` and
`assets/dashboard/*.js`. Names are never put into HTML here: the data goes in as JSON inside
`<script type="application/json">`, with every `<`, `>` and `&` escaped so no name can close the
script, and the page's script renders it as text. A Content-Security-Policy allows only this
page's own inline script and style (by hash) and data: images, so nothing is ever fetched.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path
from typing import Any

from clanstats.settings import PROJECT_ROOT

TEMPLATE_PATH = PROJECT_ROOT / "templates" / "dashboard.html"
CSS_PATH = PROJECT_ROOT / "assets" / "dashboard.css"
# The script is split by panel: the folder's files, joined in name order, are one script.
JS_PATH = PROJECT_ROOT / "assets" / "dashboard"
PLACEHOLDER = re.compile(r"\{\{ (csp|title|css|js|data) \}\}")

# JSON safe inside <script>: no '<' (so no '</script>' or '<!--'), '>' or '&', and no U+2028/9,
# which older JavaScript parsers read as line ends. JSON.parse turns them back into the same text.
SCRIPT_SAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def render_dashboard(data: dict[str, Any]) -> str:
    """Return the dashboard page for clan_data as one self-contained HTML string."""
    return render_page(
        TEMPLATE_PATH, css_path=CSS_PATH, js_path=JS_PATH, title=page_title(data), data=data
    )


def render_page(
    template_path: Path, *, css_path: Path, js_path: Path, title: str, data: dict[str, Any]
) -> str:
    """Return a self-contained page: a template with its CSS, JS, CSP, title and data inline."""
    css = _own_source(css_path, "</style")
    js = _own_source(js_path, "</script")
    values = {
        "csp": content_security_policy(script=js, style=css),
        "title": html.escape(title),
        "css": css,
        "js": js,
        "data": script_json(data),
    }
    template = template_path.read_text(encoding="utf-8")
    # One pass: text substituted in (a name that looks like "{{ js }}") is never scanned again.
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def script_json(data: dict[str, Any]) -> str:
    """Compact JSON that can sit inside a <script> element whatever its strings hold."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(SCRIPT_SAFE)


def content_security_policy(*, script: str, style: str) -> str:
    """A policy that runs only this script and style and loads nothing but data: images."""
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src '{_sha256(script)}'",
            f"style-src '{_sha256(style)}'",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )


def page_title(data: dict[str, Any]) -> str:
    """The browser tab's title: the clan's name, or its WOM group before the first harvest."""
    group = data.get("group") or {}
    name = group.get("name") or (f"WOM group {group['id']}" if group.get("id") else None)
    return f"{name} · ClanStats dashboard" if name else "ClanStats dashboard"


def _sha256(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _own_source(path: Path, closing_tag: str) -> str:
    """Our CSS or JS (a file, or a folder's files joined in name order), refused if it could
    end its own inline element early (a bug of ours)."""
    if path.is_dir():
        text = "".join(part.read_text(encoding="utf-8") for part in sorted(path.glob("*.js")))
    else:
        text = path.read_text(encoding="utf-8")
    if closing_tag in text.lower():
        raise ValueError(f"{path.name} contains {closing_tag!r}, which would break the page")
    return text
