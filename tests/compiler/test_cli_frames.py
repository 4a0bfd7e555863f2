"""``chargespec frames check`` end to end, through click's CliRunner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from compiler.cli import main
from generated.ocpp16.registry import SPEC
from runtime.ocppj.errors import PayloadError

SAMPLE = Path(__file__).resolve().parents[1] / "frames" / "sample.log"

GOOD_LOG = """\
# boot and one heartbeat
> [2,"1","BootNotification",{"chargePointVendor":"VendorX","chargePointModel":"AC22"}]
< [3,"1",{"status":"Accepted","currentTime":"2024-05-14T08:00:01Z","interval":300}]

>[2,"2","Heartbeat",{}]
<   [3,"2",{"currentTime":"2024-05-14T08:05:01Z"}]
"""

GOOD_OUTPUT = [
    "2: > CALL BootNotification 1: ok",
    "3: < CALLRESULT BootNotification 1: ok",
    "5: > CALL Heartbeat 2: ok",
    "6: < CALLRESULT Heartbeat 2: ok",
    "4 frames: 4 ok, 0 bad",
]


def _reason(action: str, payload: dict[str, Any]) -> str:
    """The payload validator's own wording for a bad request (it is the validator's to choose)."""
    with pytest.raises(PayloadError) as info:
        SPEC.validator().validate(action, "req", payload)
    return info.value.message


def _run(*args: str, stdin: str | None = None) -> Result:
    # click >= 8.2: result.output holds stdout and stderr interleaved, as a terminal shows them.
    return CliRunner().invoke(main, ["frames", "check", *args], input=stdin)


def test_the_sample_log_reports_every_frame() -> None:
    occupied = {"connectorId": 1, "errorCode": "NoError", "status": "Occupied"}
    result = _run(str(SAMPLE))
    assert result.output.splitlines() == [
        "5: > CALL BootNotification 4f1c9a02-0001: ok",
        "6: < CALLRESULT BootNotification 4f1c9a02-0001: ok",
        "7: > CALL StatusNotification 4f1c9a02-0002: ok",
        "8: < CALLRESULT StatusNotification 4f1c9a02-0002: ok",
        "9: > CALL StatusNotification 4f1c9a02-0003: ok",
        "10: < CALLRESULT StatusNotification 4f1c9a02-0003: ok",
        "13: > CALL StatusNotification 4f1c9a02-0004: PropertyConstraintViolation at status: "
        + _reason("StatusNotification", occupied),
        "14: < CALLERROR StatusNotification 4f1c9a02-0004: ok",
        "15: > CALL StatusNotification 4f1c9a02-0005: OccurenceConstraintViolation at "
        "errorCode: required field is missing",
        "16: < CALLERROR StatusNotification 4f1c9a02-0005: ok",
        "19: > CALL Heartbeat 4f1c9a02-0006: ok",
        "20: > CALL Heartbeat 4f1c9a02-0006: ProtocolError: id already used by the "
        "unanswered CALL on line 19",
        "21: < CALLRESULT Heartbeat 4f1c9a02-0006: ok",
        "24: < CALL Heartbeat csms-0001: NotSupported: only the Charge Point may send this action",
        "25: > CALLERROR Heartbeat csms-0001: ok",
        "26: < CALLRESULT 4f1c9a02-0099: ProtocolError: no CALL with this id",
        "29: > CALL TransactionEvent 4f1c9a02-0007: NotImplemented: unknown action",
        "30: < CALLERROR TransactionEvent 4f1c9a02-0007: ok",
        "31: > frame: FormationViolation: invalid JSON: Unterminated string starting at: "
        "line 1 column 80 (char 79)",
        "32: > frame 4f1c9a02-0009: ignored: unknown MessageTypeId 6; message ignored "
        "(OCPP-J 1.6 §4.1.3)",
        "35: > CALL Heartbeat 4f1c9a02-000a: ok",
        "36: < CALLRESULT Heartbeat 4f1c9a02-000a: ok",
        "22 frames: 14 ok, 7 bad, 1 ignored",
    ]
    assert result.exit_code == 1


def test_an_all_good_log_exits_0(tmp_path: Path) -> None:
    log = tmp_path / "good.log"
    log.write_text(GOOD_LOG, encoding="utf-8")
    result = _run(str(log))
    assert result.output.splitlines() == GOOD_OUTPUT
    assert result.exit_code == 0


@pytest.mark.parametrize("args", [("-",), ()], ids=["dash", "no-argument"])
def test_the_log_can_come_from_stdin(args: tuple[str, ...]) -> None:
    result = _run(*args, stdin=GOOD_LOG)
    assert result.output.splitlines() == GOOD_OUTPUT
    assert result.exit_code == 0


def test_a_bad_frame_on_stdin_exits_1() -> None:
    result = _run("-", stdin='[2,"1","Heartbeat",{"now":true}]\n')
    assert result.output.splitlines() == [
        "1: CALL Heartbeat 1: FormationViolation at now: " + _reason("Heartbeat", {"now": True}),
        "1 frames: 0 ok, 1 bad",
    ]
    assert result.exit_code == 1


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "no-such.log"
    result = _run(str(missing))
    assert result.exit_code == 2
    assert f"'{missing}': No such file or directory" in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, FileNotFoundError)


def test_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    result = _run(str(tmp_path))
    assert result.exit_code == 2
    assert "Is a directory" in result.output
    assert "Traceback" not in result.output


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_a_read_error_is_a_usage_error() -> None:
    # Reading /proc/self/mem at offset 0 fails with EIO after the file opened fine.
    result = _run("/proc/self/mem")
    assert result.exit_code == 2
    assert "cannot read '/proc/self/mem': Input/output error" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_leniency_is_a_usage_error_naming_the_declared_ones() -> None:
    declared = ", ".join(sorted(SPEC.leniencies)) or "none"
    result = _run("--lenient", "no_such_leniency", str(SAMPLE))
    assert result.exit_code == 2
    assert (
        f"Invalid value for '--lenient': unknown leniency no_such_leniency; declared: {declared}"
        in result.output
    )
    assert "Traceback" not in result.output


def test_declared_leniencies_are_accepted() -> None:
    if not SPEC.leniencies:
        pytest.skip("the spec declares no leniencies yet")
    result = _run(*(f"--lenient={name}" for name in sorted(SPEC.leniencies)), "-", stdin=GOOD_LOG)
    assert result.output.splitlines() == GOOD_OUTPUT
    assert result.exit_code == 0
