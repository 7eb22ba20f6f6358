"""A request-reply query that fails inside an actor is the service's fault: 502 problem+json,
logged at error with the query's subject and the actor. A refusal stays the caller's 4xx, and
no answer at all is 503.

Unit tests of the mapping, then the real thing: an edge on its own nats-server (the shared
stack's actors are not on it), where a responder built like every actor's
(``actors.responders.responder``) raises, answers garbage, or refuses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from nats.aio.msg import Msg
from pydantic import BaseModel
from structlog.testing import capture_logs

from bus.rpc import BAD_REPLY, INTERNAL, QueryFailed, QueryUnavailable, actor_of
from bus.settings import Settings
from bus.subjects import BALANCES_RPC, BUDGET_VIEWS_RPC, CONVERT_RPC, RATES_RPC
from http_edge.queries import query_problem
from storage.database import Database
from tests.support.group_helpers import make_group
from tests.support.helpers import Account, Stack
from tests.support.lone_edge import LoneEdge, lone_edge
from tests.support.servers import RunningNats, start_nats

# ---- the mapping, unit tests ----------------------------------------------------------------


def test_actor_of_names_the_actor_of_a_query_subject() -> None:
    assert actor_of(CONVERT_RPC) == "currency"
    assert actor_of(BUDGET_VIEWS_RPC) == "budgets"
    assert actor_of("not.an-rpc") == "not.an-rpc"


@pytest.mark.parametrize("code", [INTERNAL, BAD_REPLY])
def test_an_actors_failure_is_502_logged_at_error(code: str) -> None:
    with capture_logs() as logs:
        problem = query_problem(
            QueryFailed(code, "TypeError", RATES_RPC), RATES_RPC, "currency conversion"
        )
    assert (problem.status, problem.code) == (502, "upstream_failed")
    assert "the currency actor could not answer" in problem.detail
    assert "TypeError" not in problem.detail  # what broke inside is for the operator's log
    [line] = logs
    assert line["event"] == "query_failed"
    assert line["log_level"] == "error"
    assert (line["subject"], line["actor"], line["code"]) == (RATES_RPC, "currency", code)
    assert line["error"] == "TypeError"


@pytest.mark.parametrize(
    ("code", "status"),
    [("validation", 422), ("rate_missing", 422), ("not_found", 404), ("conflict", 409)],
)
def test_an_actors_refusal_keeps_its_4xx_and_logs_nothing(code: str, status: int) -> None:
    with capture_logs() as logs:
        problem = query_problem(QueryFailed(code, "said no", BALANCES_RPC), BALANCES_RPC, "x")
    assert (problem.status, problem.code, problem.detail) == (status, code, "said no")
    assert logs == []


def test_no_answer_is_503_with_retry_after() -> None:
    with capture_logs() as logs:
        problem = query_problem(
            QueryUnavailable(f"nothing answers {BUDGET_VIEWS_RPC}"), BUDGET_VIEWS_RPC, "budgets"
        )
    assert (problem.status, problem.code) == (503, "unavailable")
    assert problem.headers == {"Retry-After": "2"}
    assert [(line["event"], line["log_level"]) for line in logs] == [
        ("query_unavailable", "warning")
    ]


# ---- on a real nats-server ------------------------------------------------------------------


@pytest.fixture(scope="module")
def lone_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNats]:
    server = start_nats(tmp_path_factory.mktemp("lone-nats"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def edge(
    stack: Stack, settings: Settings, database: Database, lone_nats: RunningNats
) -> AsyncIterator[LoneEdge]:
    async with lone_edge(stack, settings, database, lone_nats.url) as running:
        yield running


async def _crash(data: bytes) -> BaseModel:
    raise RuntimeError("the actor broke while answering")


async def _refuse_rate(data: bytes) -> BaseModel:
    raise QueryFailed("rate_missing", "no USD->EUR rate for 2026-11-02: none")


async def _refuse_group(data: bytes) -> BaseModel:
    raise QueryFailed("not_found", "no such group")


async def _routes(edge: LoneEdge, who: Account) -> dict[str, tuple[int, Any, str]]:
    """Every route that asks an actor a question, by the subject it asks on."""
    group = await make_group(edge.stack, who)  # made through the shared stack's actors
    convert = {"amount": "10.00", "from": "USD", "to": "EUR"}
    return {
        RATES_RPC: await edge.call("GET", "/v1/currency/rates", who),
        CONVERT_RPC: await edge.call("POST", "/v1/currency/convert", who, convert),
        BUDGET_VIEWS_RPC: await edge.call("GET", "/v1/budgets", who),
        BALANCES_RPC: await edge.call(
            "GET", f"/v1/groups/{group['id']}/balances?as_of=2026-11-01T00:00:00Z", who
        ),
    }


@pytest.mark.integration
async def test_an_actor_crashing_on_a_query_is_502_and_logged_with_subject_and_actor(
    edge: LoneEdge,
) -> None:
    ada = await edge.stack.signup()
    subjects = [RATES_RPC, CONVERT_RPC, BUDGET_VIEWS_RPC, BALANCES_RPC]
    subs = await edge.answering(subjects, _crash)
    try:
        with capture_logs() as logs:
            answers = await _routes(edge, ada)
    finally:
        await edge.release(subs)
    for subject, (status, body, content_type) in answers.items():
        assert status == 502, (subject, body)
        assert body["code"] == "upstream_failed", (subject, body)
        assert content_type == "application/problem+json"
        assert body["title"] == "Bad Gateway"
    failed = {(line["subject"], line["actor"]) for line in logs if line["event"] == "query_failed"}
    assert failed == {(s, actor_of(s)) for s in subjects}
    assert all(line["log_level"] == "error" for line in logs if line["event"] == "query_failed")
    crashed = {line["subject"] for line in logs if line["event"] == "rpc_failed"}
    assert crashed == set(subjects)  # and the responder logged the traceback where it broke


@pytest.mark.integration
async def test_an_unreadable_reply_is_502(edge: LoneEdge) -> None:
    ada = await edge.stack.signup()

    async def garbage(msg: Msg) -> None:
        await msg.respond(b"<html>not an rpc reply</html>")

    sub = await edge.nc.subscribe(RATES_RPC, cb=garbage)
    await edge.nc.flush()
    try:
        status, body, _ = await edge.call("GET", "/v1/currency/rates", ada)
    finally:
        await edge.release([sub])
    assert (status, body["code"]) == (502, "upstream_failed"), body


@pytest.mark.integration
async def test_refusals_keep_their_4xx_and_no_answer_is_503(edge: LoneEdge) -> None:
    ada = await edge.stack.signup()
    status, body, _ = await edge.call("GET", "/v1/currency/rates", ada)
    assert (status, body["code"]) == (503, "unavailable"), body  # nothing bound yet
    subs = await edge.answering([RATES_RPC], _refuse_rate)
    subs += await edge.answering([BALANCES_RPC], _refuse_group)
    try:
        status, body, _ = await edge.call("GET", "/v1/currency/rates", ada)
        assert (status, body["code"]) == (422, "rate_missing"), body
        group = await make_group(edge.stack, ada)
        status, body, _ = await edge.call(
            "GET", f"/v1/groups/{group['id']}/balances?as_of=2026-11-01T00:00:00Z", ada
        )
        assert (status, body["code"]) == (404, "not_found"), body
    finally:
        await edge.release(subs)
