"""Fault injection for the simulator's loopback servers: only the tests make them misbehave.

    with FaultyWomServer(clan) as server:
        server.inject(Fault("503", path_pattern="bulk-hiscores"))

The simulator (simulator/) serves the real APIs only. `injection` holds `Fault` and the fault
queue every faulty server shares; `wom`, `discord` and `upload` each put it in front of one
simulated server, with the error pages and schema drift of the API that server speaks.
"""

from tests.faults.discord import FaultyDiscordServer
from tests.faults.injection import FAULT_KINDS, Fault, FaultInjection, FaultKind
from tests.faults.upload import FaultyUploadReceiver
from tests.faults.wom import FaultyWomServer

__all__ = [
    "FAULT_KINDS",
    "Fault",
    "FaultInjection",
    "FaultKind",
    "FaultyDiscordServer",
    "FaultyUploadReceiver",
    "FaultyWomServer",
]
