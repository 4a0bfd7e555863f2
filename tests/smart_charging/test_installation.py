"""Installing, replacing and clearing charging profiles, and the RemoteStartTransaction
profile check (OCPP 1.6 §3.13.1, §3.13.2, §5.5, §5.11, §5.16; errata cited per test)."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.station.smart_charging.installation import (
    Limits,
    Refusal,
    allowed_units,
    check_remote_start_profile,
    clear,
    install,
)
from runtime.station.smart_charging.profiles import Installed, Profile, Session

LIMITS = Limits(
    max_stack_level=3, max_periods=4, allowed_units=frozenset({"A", "W"}), max_installed=4
)
NOW = 1_767_261_600.0  # 2026-01-01T10:00:00Z
RUNNING = {1: Session(NOW - 600, 7)}


def profile(
    pid: int = 1,
    *,
    level: int = 0,
    purpose: str = "TxDefaultProfile",
    schedule: dict[str, Any] | None = None,
    **extra: Any,
) -> Profile:
    """A valid profile built from its wire form, with ``extra`` wire fields added."""
    payload: dict[str, Any] = {
        "chargingProfileId": pid,
        "stackLevel": level,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "startSchedule": "2026-01-01T00:00:00Z",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}],
            **(schedule or {}),
        },
        **extra,
    }
    return Profile.from_payload(payload)


def do_install(
    item: Profile,
    connector: int = 0,
    installed: tuple[Installed, ...] = (),
    *,
    sessions: dict[int, Session] | None = None,
    limits: Limits = LIMITS,
    now: float | None = None,
) -> tuple[Installed, ...] | Refusal:
    return install(
        installed,
        connector,
        item,
        limits=limits,
        sessions=RUNNING if sessions is None else sessions,
        connectors=2,
        now=now,
    )


def refused(result: tuple[Installed, ...] | Refusal, status: str = "Rejected") -> str:
    assert isinstance(result, Refusal), result
    assert result.status == status
    return result.reason


# --- where a purpose may go (§3.13.1, E3.53, E3.39) -------------------------------------------


def test_charge_point_max_profile_on_connector_0_is_installed() -> None:
    item = profile(purpose="ChargePointMaxProfile")
    assert do_install(item, 0) == (Installed(0, item),)


def test_charge_point_max_profile_on_a_connector_is_rejected() -> None:
    assert "connectorId 0" in refused(do_install(profile(purpose="ChargePointMaxProfile"), 1))


def test_tx_profile_on_connector_0_is_rejected() -> None:
    assert "> 0" in refused(do_install(profile(purpose="TxProfile"), 0))


def test_tx_default_profile_on_connector_0_and_on_a_connector_are_installed() -> None:
    first = do_install(profile(1), 0)
    assert isinstance(first, tuple)
    second = do_install(profile(2), 2, first)
    assert second == (Installed(0, profile(1)), Installed(2, profile(2)))


@pytest.mark.parametrize("connector", [3, -1])
def test_unknown_connector_is_a_property_constraint_violation(connector: int) -> None:
    reason = refused(do_install(profile(), connector), "PropertyConstraintViolation")
    assert str(connector) in reason


# --- TxProfile and the transaction (§3.13.1, rule 104, TC_058_1/2) ---------------------------


def test_tx_profile_without_transaction_is_rejected() -> None:
    item = profile(purpose="TxProfile", transactionId=7)
    assert "without a transaction" in refused(do_install(item, 2))


def test_tx_profile_for_another_transaction_is_rejected() -> None:
    item = profile(purpose="TxProfile", transactionId=8)
    assert "transaction 8" in refused(do_install(item, 1))


def test_tx_profile_for_the_running_transaction_is_installed() -> None:
    item = profile(purpose="TxProfile", transactionId=7)
    assert do_install(item, 1) == (Installed(1, item),)


def test_tx_profile_without_transaction_id_applies_to_the_running_one() -> None:
    item = profile(purpose="TxProfile")
    assert do_install(item, 1) == (Installed(1, item),)


def test_tx_profile_naming_an_id_before_the_transaction_has_one_is_rejected() -> None:
    item = profile(purpose="TxProfile", transactionId=7)
    refused(do_install(item, 1, sessions={1: Session(NOW, None)}))


# --- kind and recurrence (E3.56, E3.79) --------------------------------------------------------


def test_recurrency_kind_on_a_non_recurring_profile_is_rejected() -> None:
    assert "E3.56" in refused(do_install(profile(recurrencyKind="Daily")))


def test_recurring_profile_without_recurrency_kind_is_rejected() -> None:
    assert "E3.56" in refused(do_install(profile(chargingProfileKind="Recurring")))


def test_recurring_profile_without_start_schedule_is_rejected() -> None:
    item = Profile.from_payload(
        {
            "chargingProfileId": 1,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Recurring",
            "recurrencyKind": "Daily",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}],
            },
        }
    )
    assert "E3.79" in refused(do_install(item))


def test_recurring_profile_with_start_schedule_is_installed() -> None:
    item = profile(chargingProfileKind="Recurring", recurrencyKind="Weekly")
    assert do_install(item) == (Installed(0, item),)


# --- schedule checks (§7.8, §7.13, §7.14, §9.4) ----------------------------------------------


@pytest.mark.parametrize("level", [4, -1])
def test_stack_level_outside_the_declared_range_is_rejected(level: int) -> None:
    assert "stackLevel" in refused(do_install(profile(level=level)))


def test_more_periods_than_charging_schedule_max_periods_is_rejected() -> None:
    periods = [{"startPeriod": 60 * i, "limit": 16} for i in range(5)]
    item = profile(schedule={"chargingSchedulePeriod": periods})
    assert "ChargingScheduleMaxPeriods" in refused(do_install(item))


@pytest.mark.parametrize(
    ("quantities", "units"),
    [("Current,Power", {"A", "W"}), ("Power", {"W"}), (["Current"], {"A"}), ("", set())],
)
def test_allowed_units_read_charging_schedule_allowed_charging_rate_unit(
    quantities: str | list[str], units: set[str]
) -> None:
    assert allowed_units(quantities) == units


def test_unit_not_allowed_is_rejected() -> None:
    limits = Limits(3, 4, frozenset({"A"}), 4)
    item = profile(schedule={"chargingRateUnit": "W"})
    assert "W not allowed" in refused(do_install(item, limits=limits))


def test_first_start_period_not_0_is_rejected() -> None:
    item = profile(schedule={"chargingSchedulePeriod": [{"startPeriod": 5, "limit": 16}]})
    assert "not 0" in refused(do_install(item))


def test_start_periods_not_increasing_are_rejected() -> None:
    periods = [{"startPeriod": 0, "limit": 16}, {"startPeriod": 0, "limit": 8}]
    assert "increasing" in refused(
        do_install(profile(schedule={"chargingSchedulePeriod": periods}))
    )


@pytest.mark.parametrize("phases", [0, 4])
def test_number_phases_outside_1_to_3_is_rejected(phases: int) -> None:
    period = {"startPeriod": 0, "limit": 16, "numberPhases": phases}
    item = profile(schedule={"chargingSchedulePeriod": [period]})
    assert "numberPhases" in refused(do_install(item))


def test_negative_limit_is_rejected() -> None:
    item = profile(schedule={"chargingSchedulePeriod": [{"startPeriod": 0, "limit": -1}]})
    assert "negative limit" in refused(do_install(item))


def test_negative_duration_is_rejected() -> None:
    assert "duration" in refused(do_install(profile(schedule={"duration": -1})))


def test_negative_min_charging_rate_is_rejected() -> None:
    assert "minChargingRate" in refused(do_install(profile(schedule={"minChargingRate": -0.5})))


def test_valid_to_not_after_valid_from_is_rejected() -> None:
    item = profile(validFrom="2026-01-01T10:00:00Z", validTo="2026-01-01T10:00:00Z")
    assert "never valid" in refused(do_install(item))


def test_valid_to_already_past_is_rejected_when_now_is_known() -> None:
    item = profile(validTo="2026-01-01T09:00:00Z")
    assert "past" in refused(do_install(item, now=NOW))
    assert do_install(item) == (Installed(0, item),)  # without now it cannot be told


# --- replacing (§3.13.2, §5.16.3, §5.16.4, E3.42) --------------------------------------------


def test_same_id_replaces_on_any_connector() -> None:
    old = (Installed(1, profile(5, level=2)),)
    new = profile(5, level=0)
    assert do_install(new, 0, old) == (Installed(0, new),)


def test_same_stack_level_and_purpose_on_the_connector_replace() -> None:
    old = (Installed(0, profile(1, level=1)),)
    new = profile(2, level=1)
    assert do_install(new, 0, old) == (Installed(0, new),)


def test_same_stack_level_and_purpose_on_another_connector_stay() -> None:
    old = (Installed(0, profile(1, level=1)),)
    new = profile(2, level=1)
    assert do_install(new, 1, old) == (*old, Installed(1, new))


def test_other_purpose_at_the_same_stack_level_stays() -> None:
    old = (Installed(0, profile(1, level=1, purpose="ChargePointMaxProfile")),)
    new = profile(2, level=1)
    assert do_install(new, 0, old) == (*old, Installed(0, new))


def test_remote_start_tx_profile_is_replaced_by_one_naming_the_transaction() -> None:
    old = (Installed(1, profile(1, level=1, purpose="TxProfile")),)
    new = profile(2, level=1, purpose="TxProfile", transactionId=7)
    assert do_install(new, 1, old) == (Installed(1, new),)


def test_tx_profile_of_another_transaction_is_not_replaced() -> None:
    old = (Installed(1, profile(1, level=1, purpose="TxProfile", transactionId=5)),)
    new = profile(2, level=1, purpose="TxProfile", transactionId=7)
    assert do_install(new, 1, old) == (*old, Installed(1, new))


def test_more_than_max_charging_profiles_installed_is_rejected() -> None:
    full = tuple(Installed(0, profile(i, level=i)) for i in range(4))
    assert "MaxChargingProfilesInstalled" in refused(do_install(profile(9, level=0), 1, full))


def test_a_replacement_fits_when_the_store_is_full() -> None:
    full = tuple(Installed(0, profile(i, level=i)) for i in range(4))
    new = profile(9, level=3)
    assert do_install(new, 0, full) == (*full[:3], Installed(0, new))


# --- clearing (§5.5, §6.13, E3.25, E3.26) ----------------------------------------------------

STORE = (
    Installed(0, profile(1, level=0, purpose="ChargePointMaxProfile")),
    Installed(0, profile(2, level=1)),
    Installed(1, profile(3, level=1)),
    Installed(1, profile(4, level=0, purpose="TxProfile")),
)


def test_clear_without_fields_clears_everything() -> None:
    assert clear(STORE) == ((), 4)


def test_clear_by_id_ignores_the_other_fields() -> None:
    remaining, removed = clear(STORE, profile_id=3, connector=0, purpose="TxProfile")
    assert removed == 1
    assert remaining == (STORE[0], STORE[1], STORE[3])


def test_clear_by_fields_needs_every_field_to_match() -> None:
    remaining, removed = clear(STORE, connector=1, stack_level=1, purpose="TxDefaultProfile")
    assert (remaining, removed) == ((STORE[0], STORE[1], STORE[3]), 1)


def test_clear_connector_0_means_the_charge_point_profiles_only() -> None:
    remaining, removed = clear(STORE, connector=0)
    assert (remaining, removed) == (STORE[2:], 2)


def test_clear_by_stack_level_across_connectors() -> None:
    remaining, removed = clear(STORE, stack_level=1)
    assert (remaining, removed) == ((STORE[0], STORE[3]), 2)


def test_clear_that_matches_nothing_removes_nothing() -> None:
    assert clear(STORE, profile_id=99) == (STORE, 0)


# --- RemoteStartTransaction (§5.11, §5.16.2, E3.41, E3.42) -----------------------------------


def test_remote_start_accepts_a_tx_profile_without_transaction_id() -> None:
    assert check_remote_start_profile(profile(purpose="TxProfile"), LIMITS) is None


@pytest.mark.parametrize("purpose", ["TxDefaultProfile", "ChargePointMaxProfile"])
def test_remote_start_rejects_other_purposes(purpose: str) -> None:
    refusal = check_remote_start_profile(profile(purpose=purpose), LIMITS)
    assert refusal == Refusal("Rejected", f"RemoteStartTransaction carries a {purpose} (§5.11)")


def test_remote_start_rejects_a_transaction_id() -> None:
    refusal = check_remote_start_profile(profile(purpose="TxProfile", transactionId=7), LIMITS)
    assert refusal is not None
    assert "E3.41" in refusal.reason


def test_remote_start_profile_passes_the_schedule_checks() -> None:
    refusal = check_remote_start_profile(profile(level=9, purpose="TxProfile"), LIMITS)
    assert refusal is not None
    assert "stackLevel" in refusal.reason
