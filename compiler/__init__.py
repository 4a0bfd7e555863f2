"""chargespec compiler: OCPP 1.6 YAML specs → typed runtime, diagrams and conformance tests."""
