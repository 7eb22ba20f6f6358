"""A well-formed request the current state refuses is 409 with its own code (not 422, which
says the request itself is wrong); a member the request names who is not one is 404 (unit)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, get_args

import pytest

from bus.envelopes import ErrorCode, Outcome
from http_edge.dispatch import STATE_CONFLICTS, STATUS_OF_CODE, outcome_response
from http_edge.problems import Problem


def _refused(code: str, entity: dict[str, Any] | None = None) -> Problem:
    outcome = Outcome.model_validate(
        {
            "command_id": "c1",
            "type": "group.member_add",
            "issuer": "u1",
            "status": "rejected",
            "code": code,
            "message": code.replace("_", " "),
            "entity": entity,
            "completed_at": datetime.now(UTC),
        }
    )
    with pytest.raises(Problem) as raised:
        outcome_response(outcome, created=False)
    return raised.value


@pytest.mark.parametrize(
    "code",
    [
        "already_member",
        "last_member",
        "nothing_owed",
        "group_archived",
        "owner_stays",
        "use_leave",
        "balance_open",
        "insufficient_savings",
        "category_archived",
        "group_full",
        "limit_reached",
        "already_paid",
        "member_left",
        "split_required",
        "budget_kind",
    ],
)
def test_a_refusal_of_the_current_state_is_409_with_its_code(code: str) -> None:
    assert code in STATE_CONFLICTS
    problem = _refused(code, {"id": "g1", "version": 4})
    assert (problem.status, problem.code) == (409, code)
    assert problem.extra["current"] == {"id": "g1", "version": 4}


def test_a_member_named_who_is_not_one_is_404() -> None:
    problem = _refused("not_member")
    assert (problem.status, problem.code) == (404, "not_member")
    assert "current" not in problem.extra


def test_every_code_an_actor_may_give_has_its_status() -> None:
    codes = {code for part in get_args(ErrorCode) for code in get_args(part)}
    assert len(codes) > 20
    assert codes <= set(STATUS_OF_CODE)
    assert _refused("validation").status == 422
