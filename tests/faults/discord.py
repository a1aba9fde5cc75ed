"""The simulated Discord, misbehaving on purpose: its edge's error pages and its schema drifting.

    with FaultyDiscordServer(chat) as server:
        server.inject(Fault("502", path_pattern=r"/messages$"))

Every fault kind but "schema" (Discord drifts one way at a time). Status faults answer as
Discord or the Cloudflare edge in front of it does; a malformed answer from the webhook comes
after the post was taken.
"""

from __future__ import annotations

from typing import Any, ClassVar

from simulator.discord_server import (
    JSON_TYPE,
    WEBHOOK_ROUTE,
    DiscordError,
    FakeDiscordServer,
    error_response,
    rate_limited,
)
from simulator.loopback import Request, Response
from tests.faults.injection import FAULT_KINDS, MALFORMED_BODY, Fault, FaultInjection

_BAD_GATEWAY_HTML = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    b"</h1></center><hr><center>cloudflare</center></body></html>"
)
_GATEWAY_TIMEOUT_HTML = (
    b"<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway"
    b" Time-out</h1></center><hr><center>cloudflare</center></body></html>"
)
_UNAVAILABLE_TEXT = (
    b"upstream connect error or disconnect/reset before headers. reset reason: overflow"
)
_UNKNOWN_MESSAGE_TYPE = 99
# Fields Discord documents as optional (`field?`): a drifting answer may leave them out.
_OPTIONAL_FIELDS = ("nick", "member", "components", "public_flags", "premium_since")


class FaultyDiscordServer(FaultInjection, FakeDiscordServer):
    """FakeDiscordServer with a fault queue (`inject`, `clear_faults`, `faults`)."""

    fault_kinds: ClassVar[tuple[str, ...]] = tuple(k for k in FAULT_KINDS if k != "schema")

    def drift(self, payload: Any, kind: str) -> Any:
        """Drift an answer: unknown fields and message types, optional fields gone, or nulls."""
        return drift(payload, kind)

    def fault_response(self, request: Request, fault: Fault) -> Response:
        """Return the canned answer of an error or malformed-body fault.

        A malformed answer from the webhook comes after the post was taken (a proxy garbling
        the success page); from the bot API, instead of any answer.
        """
        if fault.kind == "malformed" and WEBHOOK_ROUTE.fullmatch(request.path):
            response = self.respond(request)
            return Response(response.status, MALFORMED_BODY, JSON_TYPE)
        if fault.kind == "403":
            return error_response(DiscordError(403, 50001, "Missing Access"))
        if fault.kind == "429":
            return rate_limited(fault.retry_after)
        if fault.kind == "500":
            return error_response(DiscordError(500, 0, "500: Internal Server Error"))
        if fault.kind == "502":
            return Response(502, _BAD_GATEWAY_HTML, "text/html")
        if fault.kind == "503":
            return Response(503, _UNAVAILABLE_TEXT, "text/plain")
        if fault.kind == "504":
            return Response(504, _GATEWAY_TIMEOUT_HTML, "text/html")
        return Response(200, MALFORMED_BODY, JSON_TYPE)


def drift(value: Any, kind: str) -> Any:
    """Return a copy of a Discord answer drifted one way, everywhere in it."""
    if isinstance(value, list):
        return [drift(item, kind) for item in value]
    if not isinstance(value, dict):
        return value
    drifted = {key: drift(item, kind) for key, item in value.items()}
    is_message = "author" in drifted and "content" in drifted
    if kind == "unknown_fields":
        drifted["x_future_field"] = {"added": "2099", "values": [1, None]}
        if is_message:
            drifted["type"] = _UNKNOWN_MESSAGE_TYPE
    elif kind == "missing_fields":
        for name in _OPTIONAL_FIELDS:
            drifted.pop(name, None)
    elif kind == "null_fields":
        for name in ("content", "global_name", "nick", "avatar"):
            if name in drifted:
                drifted[name] = None
    return drifted
