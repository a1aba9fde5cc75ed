"""The simulated Wise Old Man, misbehaving on purpose: its error pages and its schema drifting.

    with FaultyWomServer(clan) as server:
        server.inject(Fault("503", path_pattern="bulk-hiscores"))

Every fault kind but "403" and "504". Status faults answer in WOM's style (JSON with a code,
or nginx's HTML page for a 502) and carry the RateLimit-* headers of the request's bucket.
"""

from __future__ import annotations

from typing import Any, ClassVar

from simulator.loopback import Request, Response
from simulator.wom_server import JSON_TYPE, ApiError, FakeWomServer
from tests.faults.injection import MALFORMED_BODY, Fault, FaultInjection

FAULT_KINDS: tuple[str, ...] = (
    "429", "500", "502", "503", "timeout", "drop", "malformed", "truncated", "truncated_json",
    "wrong_type", "schema", "unknown_fields", "missing_fields", "null_fields",
)  # fmt: skip
UNKNOWN_METRIC = "mystery_boss_2099"
_BAD_GATEWAY_HTML = (
    b"<html><head><title>502 Bad Gateway</title></head><body>"
    b"<center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)
_DRIFTS = {
    "schema": frozenset({"unknown_fields", "missing_fields", "null_fields"}),
    "unknown_fields": frozenset({"unknown_fields"}),
    "missing_fields": frozenset({"missing_fields"}),
    "null_fields": frozenset({"null_fields"}),
}


class FaultyWomServer(FaultInjection, FakeWomServer):
    """FakeWomServer with a fault queue (`inject`, `clear_faults`, `faults`)."""

    fault_kinds: ClassVar[tuple[str, ...]] = FAULT_KINDS

    def drift(self, payload: Any, kind: str) -> Any:
        """Drift a normal answer for a schema fault ("schema" drifts every way at once)."""
        return drift_schema(payload, _DRIFTS[kind])

    def fault_response(self, request: Request, fault: Fault) -> Response:
        """Return the canned answer of a status or malformed-body fault, with quota headers."""
        quota_headers = self.quota_headers(request)
        if fault.kind == "429":
            response = self.rate_limited(fault.retry_after)
        elif fault.kind == "500":
            response = self.error_response(
                ApiError(500, "UNEXPECTED_ERROR", "Internal server error.")
            )
        elif fault.kind == "502":
            # A proxy in front of WOM answers this one, in HTML.
            response = Response(502, _BAD_GATEWAY_HTML, "text/html")
        elif fault.kind == "503":
            message = "Failed to load hiscores: Service is unavailable."
            response = self.error_response(ApiError(503, "HISCORES_SERVICE_UNAVAILABLE", message))
        else:
            response = Response(200, MALFORMED_BODY, JSON_TYPE)
        response.headers = {**quota_headers, **response.headers}
        return response


def drift_schema(payload: Any, kinds: frozenset[str]) -> Any:
    """Return a copy of a payload drifted the way a changing API drifts.

    "unknown_fields": snapshot data gains an unknown boss, bulk-gained metric lists an unknown
    metric. "missing_fields": Player objects lose `ttm`, the first activity loses its `rank`.
    "null_fields": Player objects get a null `exp`, the first activity a null rank and score.
    """
    if isinstance(payload, list):
        drifted = [drift_schema(item, kinds) for item in payload]
        if (
            "unknown_fields" in kinds
            and drifted
            and all(isinstance(i, dict) and "gained" in i and "metric" in i for i in drifted)
        ):
            drifted.append({"metric": UNKNOWN_METRIC, "gained": 5, "start": 0, "end": 5})
        return drifted
    if not isinstance(payload, dict):
        return payload
    drifted_dict = {key: drift_schema(value, kinds) for key, value in payload.items()}
    bosses, activities = drifted_dict.get("bosses"), drifted_dict.get("activities")
    if isinstance(bosses, dict) and isinstance(activities, dict):
        if "unknown_fields" in kinds:
            bosses[UNKNOWN_METRIC] = {
                "metric": UNKNOWN_METRIC, "rank": 1234, "kills": 42, "ehb": 0,
            }  # fmt: skip
        for activity in list(activities)[:1]:
            entry = dict(activities[activity])
            if "missing_fields" in kinds:
                entry.pop("rank", None)
            if "null_fields" in kinds:
                entry.update(rank=None, score=None)
            activities[activity] = entry
    if "username" in drifted_dict and "displayName" in drifted_dict:
        if "missing_fields" in kinds:
            drifted_dict.pop("ttm", None)
        if "null_fields" in kinds:
            drifted_dict["exp"] = None
    return drifted_dict
