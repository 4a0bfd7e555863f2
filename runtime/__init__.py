"""chargespec runtime: sans-IO OCPP 1.6-J protocol core and thin adapters."""
