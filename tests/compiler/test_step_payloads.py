"""Scenario step payloads against the message schemas and events.yaml
(compiler.checks.step_payloads, SPEC238): field names, enum values and types of what a step
expects, replies, sends or stimulates, with placeholders and matchers accepted as values."""

from __future__ import annotations

from pathlib import Path

from compiler.checks import check_spec_set
from compiler.diagnostics import Diagnostic
from compiler.frontend.load import load_spec_set
from compiler.ir import SpecSet
from tests.compiler.test_checks import BASE, load

TYPES = """\
enums:
  RegistrationStatus:
    values: [Accepted, Pending, Rejected]
  AuthorizationStatus:
    values: [Accepted, Blocked, Expired, Invalid]
datatypes:
  IdTagInfo:
    fields:
      status: {type: AuthorizationStatus, required: true}
      parentIdTag: {type: string, max_length: 20}
"""
AUTHORIZE = """\
messages:
  Authorize:
    profile: Core
    direction: cp_to_csms
    request:
      idTag: {type: string, max_length: 20, required: true}
    response:
      idTagInfo: {type: IdTagInfo, required: true}
  GetLocalListVersion:
    profile: Core
    direction: csms_to_cp
    request:
      tags: {type: string, list: true}
    response:
      listVersion: {type: integer, required: true}
      ratio: {type: decimal}
      stored: {type: boolean}
"""
OBSERVATIONS = """\
observations:
  cable_locked:
    description: Locked.
    returns: boolean
    payload:
      connector: {type: integer, required: true}
"""


def _spec(tmp_path: Path, steps: str) -> SpecSet:
    return load(
        tmp_path,
        types_yaml=TYPES,
        messages__authorize_yaml=AUTHORIZE,
        events_yaml=BASE["events.yaml"] + OBSERVATIONS,
        scenarios__core_yaml=(
            "scenarios:\n  - id: TC_X\n    title: X\n    requires: [Core]\n    steps:\n" + steps
        ),
    )


def _found(tmp_path: Path, steps: str) -> list[Diagnostic]:
    found = sorted(check_spec_set(_spec(tmp_path, steps)), key=Diagnostic.sort_key)
    assert {d.code for d in found} <= {"SPEC238"}, [d.render() for d in found]
    return found


def _texts(found: list[Diagnostic]) -> list[str]:
    return [f"{d.pos.line}:{d.pos.col} {d.found}" for d in found]


def test_unknown_field_of_an_expected_call_at_its_key(tmp_path: Path) -> None:
    found = _found(tmp_path, "      - expect: {BootNotification: {chargePointVendr: ACME}}\n")
    assert _texts(found) == ["6:37 BootNotification.req has no field 'chargePointVendr'"]
    assert found[0].expected == "expected one of: chargePointVendor"
    assert found[0].hint == "did you mean 'chargePointVendor'?"


def test_enum_value_in_a_reply_and_inside_a_datatype(tmp_path: Path) -> None:
    steps = """\
      - expect: {BootNotification: {}}
        reply: {status: Acepted, interval: 300}
      - expect: {Authorize: {idTag: $id_tag}}
        reply: {idTagInfo: {status: Acepted, parentTag: $parent_id_tag}}
"""
    found = _found(tmp_path, steps)
    assert _texts(found) == [
        "7:17 BootNotification.conf field 'status' is 'Acepted', not a value of RegistrationStatus",
        "9:29 Authorize.conf field 'idTagInfo.status' is 'Acepted', not a value of "
        "AuthorizationStatus",
        "9:46 Authorize.conf has no field 'idTagInfo.parentTag'",
    ]
    assert found[0].hint == "did you mean 'Accepted'?"
    assert found[2].hint == "did you mean 'parentIdTag'?"


def test_placeholders_and_matchers_are_values(tmp_path: Path) -> None:
    steps = """\
      - expect: {BootNotification: {chargePointVendor: {$one_of: [ACME, $absent]}}}
        reply: {status: {$one_of: [Accepted, Pending]}, interval: $any}
      - expect: {Authorize: {idTag: {$matches: 'TAG-.*'}}}
        reply: {idTagInfo: {status: Accepted, parentIdTag: $parent_id_tag}}
      - send: {Heartbeat: {}}
        expect_reply: {currentTime: $now}
      - send: {GetLocalListVersion: {tags: [$id_tag, b]}}
        expect_reply: {listVersion: {$one_of: [0, -1]}, ratio: 1, stored: false}
      - tester: {plug_in: {connector: $connector_under_test}}
"""
    assert _found(tmp_path, steps) == []


def test_matcher_alternatives_and_list_items_are_checked(tmp_path: Path) -> None:
    steps = """\
      - expect: {BootNotification: {}}
        reply: {status: {$one_of: [Accepted, Pendng]}, interval: 300}
      - send: {GetLocalListVersion: {tags: [a, 3]}}
        expect_reply: {listVersion: {$one_of: [0, x]}}
"""
    assert _texts(_found(tmp_path, steps)) == [
        "7:46 BootNotification.conf field 'status' is 'Pendng', not a value of RegistrationStatus",
        "8:48 GetLocalListVersion.req field 'tags[1]' is an integer, not a string",
        "9:51 GetLocalListVersion.conf field 'listVersion' is a string, not an integer",
    ]


def test_types_of_values(tmp_path: Path) -> None:
    steps = """\
      - send: {GetLocalListVersion: {tags: a}}
        expect_reply: {listVersion: true, ratio: x, stored: 1}
      - tester: {plug_in: {connector: '1'}}
      - expect: {Authorize: {idTag: $id_tag}}
        reply: {idTagInfo: Accepted}
"""
    assert _texts(_found(tmp_path, steps)) == [
        "6:38 GetLocalListVersion.req field 'tags' is a string, not a list",
        "7:24 GetLocalListVersion.conf field 'listVersion' is a boolean, not an integer",
        "7:43 GetLocalListVersion.conf field 'ratio' is a string, not a number",
        "7:53 GetLocalListVersion.conf field 'stored' is an integer, not a boolean",
        "8:28 tester action plug_in field 'connector' is a string, not an integer",
        "10:17 Authorize.conf field 'idTagInfo' is a string, not a mapping (IdTagInfo)",
    ]


def test_a_sent_call_needs_its_required_fields_unless_unchecked(tmp_path: Path) -> None:
    steps = """\
      - send: {GetLocalListVersion: {tag: [a]}}
        expect_error: NotSuported
      - send: {GetLocalListVersion: {tag: [a]}}
        unchecked: true
        expect_error: {$one_of: [FormationViolation, $absent]}
      - send: {Authorize: {}}
      - send: {Authorize: {}}
        unchecked: true
      - tester: {plug_in: {}}
"""
    found = _found(tmp_path, steps)
    assert _texts(found) == [
        "6:38 GetLocalListVersion.req has no field 'tag'",
        "7:9 expect_error 'NotSuported' is not a CALLERROR code",
        "11:16 Authorize.req lacks the required field 'idTag'",
        "14:18 tester action plug_in lacks the required field 'connector'",
    ]
    assert found[1].hint == "did you mean 'NotSupported'?"
    assert found[2].expected == "the test system sends every required field"


def test_observations_any_order_and_reply_errors(tmp_path: Path) -> None:
    steps = """\
      - observe: {cable_locked: {conector: 1}}
        is: true
      - any_order:
          - expect: {BootNotification: {chargePointVendor: 7}}
          - expect: {Authorize: {}}
            reply_error: GenericEror
"""
    assert _texts(_found(tmp_path, steps)) == [
        "6:34 observation cable_locked has no field 'conector'",
        "9:41 BootNotification.req field 'chargePointVendor' is an integer, not a string",
        "11:13 reply_error 'GenericEror' is not a CALLERROR code",
    ]


def test_test_state_steps_are_checked_too(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "      - send: {Heartbeat: {}}\n")
    root = Path(spec.root)
    (root / "test_states.yaml").write_text(
        """\
test_states:
  Booted:
    description: Booted.
    selected_by: {key: boot, value: accepted}
    parameters:
      vendor: {type: string, default: ACME}
    steps:
      - expect: {BootNotification: {chargePointVendor: $vendor}}
        reply: {status: Accepted, interval: 300, note: $vendor}
""",
        encoding="utf-8",
    )
    reloaded, problems = load_spec_set(root)
    assert problems == [] and reloaded is not None
    assert [d.found for d in check_spec_set(reloaded)] == [
        "BootNotification.conf has no field 'note'"
    ]


def test_contains_items_payload_shapes_and_answers(tmp_path: Path) -> None:
    steps = """\
      - send: {GetLocalListVersion: {tags: {$contains: [a, 3]}}}
        expect_reply: {listVersion: 1}
        expect_error: {$one_of: [NotSupported, Nope]}
      - send: {GetLocalListVersion: {}}
        expect_no_reply: 5
      - expect: {Heartbeat: [1]}
      - expect: {Authorize: {idTag: {$one_of: [a]}}}
        reply: {idTagInfo: {status: 3}}
"""
    assert _texts(_found(tmp_path, steps)) == [
        "6:60 GetLocalListVersion.req field 'tags[]' is an integer, not a string",
        "8:9 expect_error 'Nope' is not a CALLERROR code",
        "11:18 Heartbeat.req payload is a list",
        "13:29 Authorize.conf field 'idTagInfo.status' is an integer, not a string "
        "(AuthorizationStatus)",
    ]


def test_now_plus_seconds_only_in_date_time_fields(tmp_path: Path) -> None:
    # "$now+<seconds>" is a timestamp the run fills in (docs/spec-language.md placeholders).
    steps = """\
      - send: {Heartbeat: {}}
        expect_reply: {currentTime: "$now+60"}
      - send: {GetLocalListVersion: {tags: [a]}}
        expect_reply: {listVersion: "$now-5"}
"""
    assert _texts(_found(tmp_path, steps)) == [
        "9:24 GetLocalListVersion.conf field 'listVersion' is a string, not a date-time "
        "(the only kind $now+N fills)",
    ]
