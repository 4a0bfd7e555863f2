"""A deterministic payload corpus for a subset of JSON Schema draft-04.

The corpus feeds the interop test that compares our payload validator with the one of the
``ocpp`` package, and seeds the frame fuzzer (:mod:`runtime.conformance.fuzzing`). It is
written by hand (no hypothesis-jsonschema, no I/O, only ``random.Random``) so that every run
with the same seed yields the same payloads, and so that boundary values are always present
instead of being left to chance.

Supported keywords: ``type`` (object, array, string, integer, number, boolean, null),
``properties``, ``required``, ``additionalProperties``, ``items``, ``minItems``, ``maxItems``,
``enum``, ``maxLength``, ``minLength``, ``format: date-time``, ``minimum``, ``maximum``,
``exclusiveMinimum``, ``exclusiveMaximum`` and ``multipleOf``, plus local ``$ref`` pointers
(``#/definitions/...``), which are resolved against the root schema before anything else
(draft-04 §7: a ``$ref`` object stands for its target, its other keywords are ignored).
Other keywords are ignored.

Payloads are built by *pinning* chosen values at chosen paths and filling everything else with
random valid data. A path is a tuple of property names, with ``"[]"`` standing for "an item of
this array". Valid payloads pin boundary values (each enum value, empty strings, strings of
exactly ``maxLength``, 0, large integers, several date-time shapes); invalid payloads pin one
or two "bad" values (wrong type, over-long string, value outside the enum, below ``minimum``,
malformed date-time, object with a required field dropped or an unknown field added,
non-object payload). The labels are what the generator intends; callers that compare
validators should compare verdicts and not trust the labels.

The modules, each importing only those listed before it:

* :mod:`~runtime.conformance.payload_corpus.schema`: reading the schema (types, ``$ref``
  resolution, the sites where values are pinned, the size of the valid space) and the
  canonical JSON key that deduplicates payloads.
* :mod:`~runtime.conformance.payload_corpus.date_times`: RFC 3339 date-times, valid and not.
* :mod:`~runtime.conformance.payload_corpus.valid`: boundary values and random valid values,
  with pins.
* :mod:`~runtime.conformance.payload_corpus.invalid`: the bad values that break a subschema.
* :mod:`~runtime.conformance.payload_corpus.generator`: :func:`corpus`, rounds of pinned
  payloads, deduplicated and bounded.

Nothing is imported here: callers import from the module that holds a name.
"""
