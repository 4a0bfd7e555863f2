"""The test system: plays the Central System against a device under test (DUT)."""

from runtime.conformance.dut import Dut, ReceivedCall
from runtime.conformance.inprocess import InProcessDut
from runtime.conformance.runner import ScenarioFailed, Transcript, run_scenario
from runtime.conformance.websocket_dut import WebSocketDut

__all__ = [
    "Dut",
    "InProcessDut",
    "ReceivedCall",
    "ScenarioFailed",
    "Transcript",
    "WebSocketDut",
    "run_scenario",
]
