"""The fraud actor: every expense scored as it happens (pure rules in ``facts``, ``profile``,
``signals`` and ``scoring``), flags raised over the threshold, and reviews that teach it."""

from __future__ import annotations

from actors.erasure import USER_DELETED
from actors.fraud.erasure import erase_person
from actors.fraud.flags import review_flag
from actors.fraud.risks import prefetch, rescore_receipt, score_event
from actors.fraud.runtime import FraudRuntime
from actors.handling import handlers, on
from actors.kernel import ActorDefinition
from actors.reads import own
from bus.fraud import ReviewFlag
from bus.subjects import EXPENSE_EVENTS
from storage.fraud import FlagDoc

FRAUD = ActorDefinition(
    name="fraud",
    handlers=handlers(on(ReviewFlag, review_flag, reads=(own(FlagDoc, "flag"),))),
    reactions={
        **dict.fromkeys(EXPENSE_EVENTS, score_event),
        "receipt.scanned": rescore_receipt,
        USER_DELETED: erase_person,
    },
    prefetch_events=prefetch,
    runtime=FraudRuntime,
    emits=("flag.raised", "flag.updated", "flag.cleared", "flag.reviewed"),
)
