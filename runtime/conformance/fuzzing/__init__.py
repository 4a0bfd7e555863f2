"""Fuzzing the sans-IO core: frames in, invariants checked, failures out as data.

Theory of operation: a :class:`~runtime.conformance.fuzzing.source.FrameSource` makes OCPP-J
frames for a spec registry, driven by nothing but a ``random.Random``. It starts from valid
seeds (a CALL of every action the Central System may send, with a payload from
:mod:`runtime.conformance.payload_corpus`; a CALLRESULT or CALLERROR answering the charge
point's outstanding CALL) and mutates their structure (wrapper array, message type, unique id,
action, payload fields) or their text (flipped characters and bytes, truncation, insertions);
some frames are random JSON or random text.
:func:`~runtime.conformance.fuzzing.oracle.check_frame` feeds one frame to a
:class:`~runtime.conformance.fuzzing.oracle.FuzzTarget` and checks the invariants of
:data:`~runtime.conformance.fuzzing.oracle.INVARIANTS` against an oracle of its own (it reads
frames with the standard library, never with :mod:`runtime.ocppj`).
:class:`~runtime.conformance.fuzzing.station_target.StationTarget` wraps a connected, Accepted
:class:`~runtime.station.station.Station`. Every problem comes back as a
:class:`~runtime.conformance.fuzzing.oracle.Failure` record, never as an exception.
``tests/runtime/test_fuzz_frames.py`` runs ten thousand frames on every test run;
``benchmarks/fuzz.py`` (``make fuzz``) runs long campaigns.

Everything is driven by the registry's messages and schemas, so new actions are fuzzed as
soon as the spec defines them.

The modules, each importing only those listed before it:

* :mod:`~runtime.conformance.fuzzing.mutations`: the raw material (tokens no JSON encoder
  writes, odd text, bad values) and the damage done to payloads and to frame text.
* :mod:`~runtime.conformance.fuzzing.source`: :class:`FrameSource`, seeds from the registry and
  the structural mutations of the frame wrapper.
* :mod:`~runtime.conformance.fuzzing.station_target`: the station as a target, and the
  snapshot of what a Central System could notice about it.
* :mod:`~runtime.conformance.fuzzing.oracle`: the invariants, the independent reading of
  frames, :func:`check_frame` and :class:`Failure`.

Nothing is imported here: callers import from the module that holds a name.
"""
