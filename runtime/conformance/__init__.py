"""The test system: plays the Central System against a device under test (DUT)."""

from runtime.conformance.dut import Dut, ReceivedCall
from runtime.conformance.inprocess import InProcessDut
from runtime.conformance.runner import ScenarioFailed, Transcript, run_scenario

__all__ = ["Dut", "InProcessDut", "ReceivedCall", "ScenarioFailed", "Transcript", "run_scenario"]
