"""Names and limits the fraud benchmark's modules share: its processes, consumers, collections,
and how long it waits."""

from __future__ import annotations

from actors.app import reaction_durable
from actors.fraud import FRAUD
from storage.documents import DeadLetter
from storage.fraud import FlagDoc, FraudProfileDoc, RiskDoc

ACTORS = ["accounts", "expenses", "fraud"]
"""Sign-up and sign-in (accounts), categories and expenses (expenses), scoring (fraud)."""

FRAUD_PROCESS = "actor:fraud"
SECOND = "actor:fraud#2"
"""The second fraud process, started for the second round on the same consumers."""

DURABLES = [reaction_durable(FRAUD.name, t) for t in FRAUD.reactions]
CREATED_SUBJECT = "evt.user.*.expense.created"
RISKS = RiskDoc.Settings.name
PROFILES = FraudProfileDoc.Settings.name
FLAGS = FlagDoc.Settings.name
DEAD_LETTERS = DeadLetter.Settings.name
TARGET_P95_MS = 100.0
"""The issue's target: p95 from an expense event to its committed risk record."""

CURRENCY = "EUR"
REQUEST_TIMEOUT_S = 120.0
CATEGORY_WAIT_S = 30.0
STALL_S = 60.0
"""How long a phase waits for its events or risk records while none of them arrives."""
POLL_S = 0.005
"""The fallback when change streams are refused: how often the awaited ids are looked up."""
SETTLE_S = 0.02
APPLY_WAIT_S = 1800.0
LATE_SEND_S = 0.010
SLOWEST_SHOWN = 5
