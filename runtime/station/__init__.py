"""The sans-IO charge point: the generated machines driven by frames, tester actions and time.

:mod:`~runtime.station.station` is the facade; the parts behind it are the machine instances
and their timers (``machines``), CALLs both ways (``calls``), the transaction message queue
(``txqueue``), what the machines may query and invoke (``services``), configuration
(``config``), tester actions and observations (``tester``), the hardware (``hardware``) and
the persistent store (``store``, ``store_db``). No sockets and no clock: ``now`` is passed in.
"""
