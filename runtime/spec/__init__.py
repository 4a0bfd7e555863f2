"""What a compiled spec set declares, as the runtime sees it.

The registry (:mod:`~runtime.spec.registry`) holds a spec set's messages, machines,
configuration keys, PICS items and tester events; the generated code builds one and the
station reads everything through it. This is the only runtime layer the compiler's core may
import: the compiler builds these same types, so the two cannot describe a key, an item or a
message differently.
"""
