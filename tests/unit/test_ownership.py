"""Each stored document has one owner; other actors read it only through ``storage.shared``,
and only ``storage`` speaks to MongoDB collections directly. Read from the source, so a new
import that breaks the rule fails here, not in review."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from beanie import Document

ROOT = Path(__file__).resolve().parents[2]

OWNER = {  # document -> the actor package that writes it
    **dict.fromkeys(("UserDoc", "Credential", "SessionDoc", "LoginThrottle", "AccountTokenDoc"), "accounts"),
    **dict.fromkeys(("ExpenseDoc", "CategoryDoc", "TripDoc"), "expenses"),
    **dict.fromkeys(
        ("GroupDoc", "GroupEntryDoc", "InviteDoc", "GroupBalanceDoc", "GroupBalanceSnapshotDoc"),
        "splits",
    ),
    **dict.fromkeys(
        ("BudgetDoc", "BudgetScopeDoc", "BudgetTallyDoc", "SpendDoc", "GoalDoc", "RecurringDoc"),
        "budgets",
    ),
    **dict.fromkeys(("RateDayDoc", "RateSourceDoc", "RateSeedDoc"), "currency"),
    "ReceiptDoc": "ocr",
    **dict.fromkeys(("FlagDoc", "RiskDoc", "FraudProfileDoc"), "fraud"),
    **dict.fromkeys(("NotificationDoc", "DeliveryDoc", "PreferencesDoc", "PushDeviceDoc"), "notifications"),
    **dict.fromkeys(("ProcessedCommand", "EventRecord", "OutboxEntry"), "runtime"),
}

NOT_YET: dict[str, set[str]] = {}  # every actor reads others' data through storage.shared


def _documents_imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("storage"):
            module = importlib.import_module(str(node.module))
            for alias in node.names:
                found = getattr(module, alias.name, None)
                if isinstance(found, type) and issubclass(found, Document):
                    names.add(alias.name)
    return names


def _actor_of(path: Path) -> str:
    relative = path.relative_to(ROOT / "actors")
    if len(relative.parts) > 1:
        return relative.parts[0]
    return relative.stem if relative.stem in OWNER.values() else "runtime"


def test_actors_import_only_the_documents_they_own() -> None:
    foreign: dict[str, set[str]] = {}
    for path in sorted((ROOT / "actors").rglob("*.py")):
        actor = _actor_of(path)
        others = {d for d in _documents_imported(path) if OWNER.get(d, actor) != actor}
        if others:
            foreign[str(path.relative_to(ROOT))] = others
    assert foreign == NOT_YET


def test_only_storage_speaks_to_collections() -> None:
    speaking = sorted(
        str(path.relative_to(ROOT))
        for package in ("bus", "actors", "http_edge", "realtime", "deploy")
        for path in (ROOT / package).rglob("*.py")
        if "get_pymongo_collection" in path.read_text()
    )
    assert speaking == ["deploy/bench/writes.py"]  # the raw-database baseline of `bench expenses`
