"""The live fraud evaluation against the suite's running stack: a small labelled data set posted
over HTTP, one client per person, every expense scored exactly once at its version, the table
printed for every pattern, and the live flags agreeing with the offline replay."""

from __future__ import annotations

import io
import re

import pytest

from deploy.fraud_live import Target, run_live
from deploy.fraud_live_report import print_live
from deploy.synthetic.fraud import catalog
from tests.support.helpers import Stack

pytestmark = pytest.mark.integration

GENERATOR, SEED, PEOPLE, DAYS = "statements", 2, 4, 30
WAIT_WITHOUT_PROGRESS_S = 60.0  # a busy machine may pause; a lost record never comes


def say(line: str) -> None:
    print(line)


async def test_live_evaluation_scores_every_posted_expense_once_and_agrees_with_the_replay(
    stack: Stack,
) -> None:
    dataset = catalog.GENERATORS[GENERATOR](SEED, users=PEOPLE, days=DAYS)
    patterns = catalog.PATTERNS_OF[GENERATOR]
    s = stack.settings
    target = Target(stack.base_url, s.mongo_uri, s.mongo_db, s.nats_url, s.fraud_flag_threshold)

    run = await run_live(
        dataset, patterns, target, say, name="small", stall_s=WAIT_WITHOUT_PROGRESS_S
    )

    # every item of the data set was posted and accepted, bills included
    assert run.skipped == {}
    assert sum(run.posted.values()) == len(dataset.stream)
    assert run.posted["group_expense"] > 0
    assert run.posting.refused == {}
    assert len(run.posting.accepted) == len(dataset.stream)
    # each got exactly one risk record, at the version its answer had
    assert run.missing == []
    assert run.wrong_records == []
    assert set(run.records) == set(run.posting.accepted)

    out = io.StringIO()
    print_live(run, out)
    text = out.getvalue()
    for pattern in patterns:  # one row in the live table and one in the offline table
        rows = re.findall(rf"^  {pattern} +\d+ +\d+ +[01]\.\d{{3}}", text, flags=re.MULTILINE)
        assert len(rows) == 2, text
    assert text.count("normal flagged:") == 2

    # the server's own clock moves some weights; the flags still agree on nearly everything
    assert run.comparison.compared == len(dataset.stream)
    assert run.comparison.agreement >= 0.9, text
