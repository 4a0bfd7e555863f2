"""OCPP-J 1.6 and nothing else: no spec set, no station, no clock, no socket.

* :mod:`~runtime.ocppj.frames`: the frame codec (the JSON array around every message).
* :mod:`~runtime.ocppj.endpoint`: CALL/CALLRESULT/CALLERROR matching, timeouts by ``now``.
* :mod:`~runtime.ocppj.events`: what the endpoint reports (a CALL received, an answer, a
  timeout, a violation).
* :mod:`~runtime.ocppj.payload` and :mod:`~runtime.ocppj.checks`: payload validation, each
  problem with the CALLERROR code to answer with.
* :mod:`~runtime.ocppj.datetime`: OCPP date-time text, read and written in one place.
* :mod:`~runtime.ocppj.exact`: exact ``multipleOf`` for JSON numbers.
* :mod:`~runtime.ocppj.errors`: the CALLERROR codes and the local/remote protocol errors.
"""
