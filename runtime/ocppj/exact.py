"""Exact ``multipleOf`` for JSON numbers, safe against hostile exponents.

Charging limits must be multiples of 0.1 (OCPP 1.6 §7.14); floats cannot tell, and turning a
Decimal such as ``1E+999999999`` into a Fraction takes hours. Working on the Decimal's digits
and exponent with modular arithmetic answers in microseconds for any exponent.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

__all__ = ["is_multiple"]


def is_multiple(value: int | float | Decimal, step: Fraction) -> bool:
    """Whether ``value`` is an integer multiple of ``step`` (> 0), exactly."""
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, int):
        return (value * step.denominator) % step.numerator == 0
    if not value.is_finite():
        return False
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    coefficient = int("".join(map(str, digits)) or "0")
    if coefficient == 0:
        return True
    p, q = step.numerator, step.denominator
    if exponent >= 0:
        # value/step = coefficient * 10**exponent * q / p
        return (coefficient * pow(10, exponent, p) * q) % p == 0
    # value/step = coefficient * q / (p * 10**-exponent): the divisor outgrows the dividend.
    shift = -exponent
    dividend = coefficient * q
    if shift > len(str(dividend)):
        return False
    divisor: int = p * 10**shift
    return dividend % divisor == 0
