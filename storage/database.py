"""The MongoDB client and Beanie initialisation (called by composition roots, never at import)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from beanie import Document, init_beanie
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from bus.settings import Settings
from storage.account_tokens import AccountTokenDoc
from storage.accounts import Credential, LoginThrottle, SessionDoc, UserDoc
from storage.budgets import (
    BudgetDoc,
    BudgetRebuildDoc,
    BudgetScopeDoc,
    BudgetTallyDoc,
    GoalDoc,
    RecurringDoc,
    SpendDoc,
)
from storage.db_metrics import CommandMetrics
from storage.deliveries import DeliveryDoc
from storage.documents import DeadLetter, EventRecord, OutboxEntry, ProcessedCommand, ScopeCounter
from storage.fraud import FlagDoc, FraudProfileDoc, RiskDoc
from storage.groups import (
    GroupBalanceDoc,
    GroupBalanceSnapshotDoc,
    GroupDoc,
    GroupEntryDoc,
    InviteDoc,
)
from storage.ledger import CategoryDoc, ExpenseDoc, TripDoc
from storage.notification_preferences import PreferencesDoc
from storage.notifications import NotificationDoc
from storage.push_devices import PushDeviceDoc
from storage.rates import RateDayDoc, RateSeedDoc, RateSourceDoc
from storage.receipts import ReceiptDoc

DOCUMENTS: list[type[Document]] = [
    ProcessedCommand,
    EventRecord,
    OutboxEntry,
    ScopeCounter,
    DeadLetter,
    UserDoc,
    Credential,
    SessionDoc,
    LoginThrottle,
    AccountTokenDoc,
    ExpenseDoc,
    CategoryDoc,
    TripDoc,
    RateDayDoc,
    RateSourceDoc,
    RateSeedDoc,
    GroupDoc,
    InviteDoc,
    GroupEntryDoc,
    GroupBalanceDoc,
    GroupBalanceSnapshotDoc,
    BudgetDoc,
    BudgetTallyDoc,
    SpendDoc,
    BudgetRebuildDoc,
    BudgetScopeDoc,
    GoalDoc,
    RecurringDoc,
    ReceiptDoc,
    RiskDoc,
    FlagDoc,
    FraudProfileDoc,
    NotificationDoc,
    DeliveryDoc,
    PreferencesDoc,
    PushDeviceDoc,
]


@dataclass
class Database:
    client: AsyncMongoClient  # type: ignore[type-arg]
    db: AsyncDatabase  # type: ignore[type-arg]

    async def ping(self) -> None:
        await self.db.command("ping")

    async def close(self) -> None:
        await self.client.close()


def collection_names() -> list[str]:
    """The collections of :data:`DOCUMENTS`, by the names their documents give them."""
    return [d.Settings.name for d in DOCUMENTS]


def tls_options(settings: Settings) -> dict[str, Any]:
    """The client's TLS options from ``mongo_tls_*`` (none set: the URI alone decides)."""
    options: dict[str, Any] = {}
    if settings.mongo_tls_ca_file is not None:
        options.update(tls=True, tlsCAFile=str(settings.mongo_tls_ca_file))
    if settings.mongo_tls_certificate_key_file is not None:
        options.update(tls=True, tlsCertificateKeyFile=str(settings.mongo_tls_certificate_key_file))
    return options


async def connect(settings: Settings, *, server_timeout_ms: int = 5000) -> Database:
    """Connect, initialise Beanie and create indexes (idempotent). A login in the URI
    (``mongodb://user:password@host/?authSource=admin``) authenticates with SCRAM."""
    client: AsyncMongoClient = AsyncMongoClient(  # type: ignore[type-arg]
        settings.mongo_uri,
        tz_aware=True,
        serverSelectionTimeoutMS=server_timeout_ms,
        maxPoolSize=50,
        uuidRepresentation="standard",
        event_listeners=[CommandMetrics(collection_names())],
        **tls_options(settings),
    )
    db = client[settings.mongo_db]
    await init_beanie(database=db, document_models=DOCUMENTS)
    return Database(client=client, db=db)
