"""Smart Charging (OCPP 1.6 §3.13, §5.5, §5.7, §5.16, §7.8–§7.14) as pure functions.

``profiles`` reads and writes charging profiles; ``composite`` computes the limit in force
at any moment and the composite schedule (§5.7) from the installed profiles;
``installation`` installs, replaces and clears profiles, or says why not (§5.5, §5.16).
Nothing here reads a clock or a store: time and the installed profiles are passed in.
"""
