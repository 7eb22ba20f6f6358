"""Commands are typed by their payload class: each names its command type and owning actor,
and that actor alone has a handler for it."""

from __future__ import annotations

import pytest

from actors.handling import handlers, on
from actors.kernel import Decision
from actors.reads import ref, shared
from actors.registry import ACTORS
from actors.work import Work
from bus.commands import COMMANDS
from bus.envelopes import Command
from bus.goals import ContributeToGoal, GoalMovement, WithdrawFromGoal
from bus.payload import DeleteById
from bus.recurring import CreateRecurring
from storage.budgets import GoalDoc


def test_each_command_has_its_own_payload_class_naming_it_and_its_actor() -> None:
    payloads = [spec.payload for spec in COMMANDS.values()]
    assert len(set(payloads)) == len(payloads)
    for command_type, spec in COMMANDS.items():
        assert command_type == spec.payload.COMMAND
        assert spec.payload.ACTOR in ACTORS


def test_every_command_is_handled_once_by_the_actor_its_payload_names() -> None:
    handled: dict[str, str] = {}
    for actor in ACTORS.values():
        for command_type in actor.handlers:
            assert command_type not in handled, f"{command_type} handled twice"
            handled[command_type] = actor.name
    assert handled == {t: spec.payload.ACTOR for t, spec in COMMANDS.items()}


def test_a_shared_shape_is_still_one_class_per_command() -> None:
    assert issubclass(ContributeToGoal, GoalMovement)
    assert issubclass(WithdrawFromGoal, GoalMovement)
    assert ContributeToGoal.COMMAND != WithdrawFromGoal.COMMAND
    assert (
        ContributeToGoal.model_json_schema()["properties"]
        == (GoalMovement.model_json_schema()["properties"])
    )


async def _contribute(command: Command, p: ContributeToGoal, work: Work) -> Decision:
    raise AssertionError("never called")


def test_a_registration_is_refused_for_a_shape_that_is_no_command_or_a_second_handler() -> None:
    with pytest.raises(ValueError, match="not the payload of a command"):
        on(DeleteById, _contribute)  # type: ignore[arg-type]  # mypy refuses it too
    with pytest.raises(ValueError, match=r"two handlers for goal\.contribute"):
        handlers(on(ContributeToGoal, _contribute), on(ContributeToGoal, _contribute))


async def _create_rule(command: Command, p: CreateRecurring, work: Work) -> Decision:
    raise AssertionError("never called")


def test_a_read_of_a_field_its_payload_lacks_is_refused_when_the_actor_is_defined() -> None:
    with pytest.raises(ValueError, match="ContributeToGoal has no field category_id"):
        on(ContributeToGoal, _contribute, reads=(ref(GoalDoc, "category_id"),))
    nested = shared("categories", "template.category_id")
    assert on(CreateRecurring, _create_rule, reads=(nested,)).reads == (nested,)
    with pytest.raises(ValueError, match=r"no field template\.kind_id"):
        on(CreateRecurring, _create_rule, reads=(shared("categories", "template.kind_id"),))


def test_every_actor_declares_what_its_handlers_read_by_id() -> None:
    silent = {
        command_type
        for actor in ACTORS.values()
        for command_type, handles in actor.handlers.items()
        if not handles.reads
    }
    assert silent == {"rates.refresh", "rates.set"}  # their reads are keyed by data, not ids
