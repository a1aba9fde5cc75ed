"""The simulated upload receiver, failing on purpose.

    with FaultyUploadReceiver(secret="s3cret") as receiver:
        receiver.inject(Fault("503", times=2))  # the next two uploads fail first

A status fault refuses with that status ("429" with Retry-After); a "malformed" fault takes the
upload but garbles the answer (a proxy's page in place of the JSON).
"""

from __future__ import annotations

from typing import ClassVar

from simulator.loopback import Request, Response
from simulator.upload_receiver import UploadReceiver, refusal
from tests.faults.injection import MALFORMED_BODY, Fault, FaultInjection


class FaultyUploadReceiver(FaultInjection, UploadReceiver):
    """UploadReceiver with a fault queue (`inject`, `clear_faults`, `faults`)."""

    fault_kinds: ClassVar[tuple[str, ...]] = (
        "429", "500", "502", "503", "504", "timeout", "drop", "truncated", "malformed",
    )  # fmt: skip

    def fault_response(self, request: Request, fault: Fault) -> Response:
        """Answer an injected 429 (with Retry-After) or 5xx, or garble a real answer."""
        if fault.kind == "malformed":
            response = self.respond(request)
            return Response(response.status, MALFORMED_BODY, "text/html")
        response = refusal(int(fault.kind), "try again later")
        if fault.kind == "429":
            response.headers["Retry-After"] = f"{fault.retry_after:g}"
        return response
