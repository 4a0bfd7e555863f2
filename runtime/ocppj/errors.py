"""OCPP-J errors: the CALLERROR codes and the two kinds of protocol error.

The split is h11's: a :class:`LocalProtocolError` means *our* side tried to do something
OCPP-J forbids (a bug in the caller, raised to it); a :class:`RemoteProtocolError` means the
*peer* did (never raised to the application by the endpoint, answered with a CALLERROR where
OCPP-J 1.6 §4.2.3 allows it). Both carry ``code``, the CALLERROR code that describes the
problem, so whoever catches one knows what to answer with.
"""

from __future__ import annotations

from enum import StrEnum

from runtime.errors import ChargespecError

__all__ = [
    "ErrorCode",
    "LocalProtocolError",
    "PayloadError",
    "ProtocolError",
    "RemoteProtocolError",
]


class ErrorCode(StrEnum):
    """The CALLERROR error codes of OCPP-J 1.6 §4.2.3 table 7.

    Values use the 1.6 wire spellings, including ``OccurenceConstraintViolation`` (sic) and
    ``FormationViolation``; OCPP 2.0.1 renamed some of them, 1.6 peers expect these.
    """

    NOT_IMPLEMENTED = "NotImplemented"
    NOT_SUPPORTED = "NotSupported"
    INTERNAL_ERROR = "InternalError"
    PROTOCOL_ERROR = "ProtocolError"
    SECURITY_ERROR = "SecurityError"
    FORMATION_VIOLATION = "FormationViolation"
    PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
    OCCURENCE_CONSTRAINT_VIOLATION = "OccurenceConstraintViolation"
    TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"
    GENERIC_ERROR = "GenericError"


class ProtocolError(ChargespecError):
    """Something breaks OCPP-J; ``code`` is the CALLERROR code that says what.

    Args:
        code: The CALLERROR code (OCPP-J 1.6 §4.2.3 table 7).
        message: Human-readable explanation.
    """

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class PayloadError(ProtocolError):
    """A payload that breaks its schema: which field, and the code that says how.

    Neither local nor remote by itself: the endpoint raises a received one to nobody (it
    answers with ``code``) and wraps an outgoing one in a :class:`LocalProtocolError`.

    Attributes:
        code: The CALLERROR code to answer with (OCPP-J 1.6 §4.2.3).
        path: Dotted path of the offending field, e.g. ``idTagInfo.status`` or
            ``sampledValue[3].value``; empty for the payload itself.
        message: Human-readable explanation.
    """

    def __init__(self, code: ErrorCode, path: str, message: str) -> None:
        super().__init__(code, message)
        self.args = (code, path, message)
        self.path = path
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class LocalProtocolError(ProtocolError):
    """Our own side tried to do something OCPP-J forbids (a bug in the caller).

    Args:
        cause: A description, or the :class:`PayloadError` of an invalid outgoing payload,
            which is then kept as ``payload_error`` (else ``None``) and gives the code;
            ``message`` is the text.
        code: The code of a plain description (default ProtocolError).
    """

    def __init__(
        self, cause: str | PayloadError, code: ErrorCode = ErrorCode.PROTOCOL_ERROR
    ) -> None:
        super().__init__(cause.code if isinstance(cause, PayloadError) else code, str(cause))
        self.message = str(cause)
        self.payload_error = cause if isinstance(cause, PayloadError) else None


class RemoteProtocolError(ProtocolError):
    """The peer sent something OCPP-J forbids; answer with ``code`` where an answer is due."""
