"""A fleet of simulated charge points in one process (``chargespec fleet``).

:class:`~runtime.fleet.fleet.Fleet` runs N stations made from a
:class:`~runtime.fleet.template.StationTemplate` against a Central System, with an automatic
transaction generator (:class:`~runtime.fleet.template.TransactionPlan`), ramp-up, live
statistics and a graceful stop; :mod:`runtime.fleet.driver` is the lean per-station driver,
:mod:`runtime.fleet.meter` the EVs' charging curve, :mod:`runtime.fleet.ledger` what the frames
tell the statistics. Each station keeps its memory in a
:class:`~runtime.station.store_memory.MemoryStore`. Layer: above :mod:`runtime.sim` (it may use
the simulator, the adapters and the station; nothing below imports it).
"""
