"""Posting a labelled data set through the HTTP API the way its people would: each signs up and
signs in, creates its categories with the data set's ids, and posts its expenses in the order
they arrived, one client per person, all people at once, as fast as the API takes them.

Households are groups: the first admin of each creates it (with the data set's id and the
currency of its bills) and adds the other members by email; their bills are posted by their
issuer's client, in that person's order. A 429 or 503 is waited out as its ``Retry-After``
says; a 401 (an expired access token) signs in again. Every write carries the expense's id as
its ``Idempotency-Key``, so a request retried after a lost answer creates nothing new.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from actors.fraud.facts import risk_key

PASSWORD = "fraud-live: correct horse battery staple"
REQUEST_TIMEOUT_S = 120.0
RETRY_FOR_S = 600.0  # how long one request may keep being told to come back later
SIGN_IN_WAIT_S = 60.0  # for a sign-up answered 202 to be applied
SIGN_UPS_AT_ONCE = 4  # each sign-up is an argon2id hash (64 MiB) on the edge
EXPENSE_FIELDS = (
    "id",
    "type",
    "amount",
    "currency",
    "date",
    "occurred_at",
    "category_id",
    "description",
    "merchant",
    "notes",
    "tags",
)
"""What a client sends of a generated expense: the rest (``trip_id``, ``receipt_id``, the home
value, ``created_at``) is the server's, or belongs to entities this evaluation does not post."""


class PostingError(RuntimeError):
    """A request the evaluation cannot go on without was refused."""


def timezone_of(offset_minutes: int) -> str:
    """An IANA zone at the generated person's UTC offset (``Etc/GMT-1`` is UTC+1)."""
    if offset_minutes == 0:
        return "UTC"
    if offset_minutes % 60 == 0:
        hours = offset_minutes // 60
        return f"Etc/GMT{-hours:+d}"
    return {330: "Asia/Kolkata", 345: "Asia/Kathmandu", -210: "America/St_Johns"}.get(
        offset_minutes, "UTC"
    )


def expense_body(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in EXPENSE_FIELDS if data.get(k) is not None}


def bill_body(data: Mapping[str, Any], accounts: Mapping[str, str]) -> dict[str, Any]:
    """A group bill as ``POST /v1/groups/{id}/expenses`` takes it, people by their accounts."""
    split = dict(data["split"])
    if split.get("members") is not None:
        split["members"] = [accounts[m] for m in split["members"]]
    if split.get("shares") is not None:
        split["shares"] = [{**s, "user_id": accounts[s["user_id"]]} for s in split["shares"]]
    body = {
        "id": data["id"],
        "amount": data["amount"],
        "currency": data["currency"],
        "description": data.get("description") or "",
        "category": data.get("category"),
        "date": data["date"],
        "notes": data.get("notes"),
        "paid_by": [{**p, "user_id": accounts[p["user_id"]]} for p in data["paid_by"]],
        "split": split,
    }
    return {k: v for k, v in body.items() if v is not None}


@dataclass
class Client:
    """One person's keep-alive session and what the posting saw of its answers."""

    base_url: str
    email: str
    name: str
    home_currency: str
    timezone: str
    http: aiohttp.ClientSession = field(init=False)
    token: str = ""
    account: str = ""  # the person's user id on the server
    waits: int = 0  # answers that said to come back later (429, 503), waited out

    async def open(self) -> None:
        self.http = aiohttp.ClientSession(
            self.base_url,
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def close(self) -> None:
        await self.http.close()

    async def call(
        self, method: str, path: str, body: Any = None, key: str | None = None
    ) -> tuple[int, Any]:
        """One request, waited out while the API says to come back later (or does not
        answer: the same ``Idempotency-Key`` makes a resend harmless); status and JSON."""
        deadline = time.monotonic() + RETRY_FOR_S
        signed_in_again = False
        while True:
            headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
            if key is not None:
                headers["Idempotency-Key"] = key
            try:
                async with self.http.request(method, path, json=body, headers=headers) as resp:
                    text = await resp.text()
                    status, wait = resp.status, resp.headers.get("Retry-After")
            except (aiohttp.ClientError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                status, wait, text = 503, None, ""  # no answer: sent again (same key)
            if status in (429, 503) and time.monotonic() < deadline:
                self.waits += 1
                await asyncio.sleep(float(wait) if wait and wait.isdigit() else 1.0)
                continue
            if status == 401 and self.token and not signed_in_again:
                signed_in_again = True
                await self.sign_in()
                continue
            try:
                return status, json.loads(text) if text else None
            except ValueError:
                return status, text

    async def sign_up(self) -> None:
        body = {
            "email": self.email,
            "password": PASSWORD,
            "name": self.name,
            "home_currency": self.home_currency,
            "timezone": self.timezone,
        }
        status, answer = await self.call("POST", "/v1/auth/register", body, key=self.email)
        if status not in (201, 202):
            raise PostingError(f"sign-up of {self.email} answered {status}: {answer}")

    async def sign_in(self) -> None:
        self.token = ""
        deadline = time.monotonic() + SIGN_IN_WAIT_S
        while True:  # a sign-up answered 202 is applied a moment later
            body = {"email": self.email, "password": PASSWORD}
            status, answer = await self.call("POST", "/v1/auth/login", body)
            if status == 200:
                self.token, self.account = answer["access_token"], str(answer["user"]["id"])
                return
            if status != 401 or time.monotonic() > deadline:
                raise PostingError(f"sign-in of {self.email} answered {status}: {answer}")
            await asyncio.sleep(0.5)

    async def create(self, path: str, body: Mapping[str, Any], what: str) -> None:
        """A setup write (a category, a group, a member) that must succeed; ``what`` names it
        in an error and is its ``Idempotency-Key``."""
        status, answer = await self.call("POST", path, dict(body), key=what)
        if status not in (200, 201, 202):
            raise PostingError(f"{what} answered {status}: {answer}")


@dataclass
class Posting:
    """What the clients posted and when each answer came (``time.perf_counter``)."""

    accepted: dict[str, float] = field(default_factory=dict)  # risk key -> answered at
    pending: int = 0  # answered 202: on the bus, applied later
    versions: dict[str, int] = field(default_factory=dict)  # risk key -> version answered
    refused: dict[str, str] = field(default_factory=dict)  # risk key -> status and code
    accounts: dict[str, str] = field(default_factory=dict)  # data set person -> server user id
    started: float = 0.0
    ended: float = 0.0


async def post_items(client: Client, items: Sequence[Any], posting: Posting) -> None:
    """One person's expenses and bills, in order, each sent once its predecessor is answered."""
    for item in items:
        if item.kind == "expense":
            path, body = "/v1/expenses", expense_body(item.data)
        else:
            path = f"/v1/groups/{item.data['group_id']}/expenses"
            body = bill_body(item.data, posting.accounts)
        key = risk_key(item.kind, str(item.data["id"]))
        status, answer = await client.call("POST", path, body, key=str(item.data["id"]))
        if status in (200, 201, 202):
            posting.accepted[key] = time.perf_counter()
            posting.pending += status == 202
            version = answer.get("version") if isinstance(answer, dict) else None
            posting.versions[key] = int(version) if status != 202 and version else 1
        else:
            code = answer.get("code") if isinstance(answer, dict) else None
            posting.refused[key] = f"{status} {code or answer}"[:200]


async def open_clients(base_url: str, users: Iterable[Any], run_tag: str) -> dict[str, Client]:
    """Every person signed up and signed in, with its categories created; by data set id."""
    clients: dict[str, Client] = {}
    for index, user in enumerate(users, 1):
        client = Client(
            base_url,
            f"p{index}.{run_tag}.{user.id[:8]}@example.com",
            f"Person {index}",
            user.home_currency,
            timezone_of(user.utc_offset_minutes),
        )
        await client.open()
        clients[user.id] = client
    gate = asyncio.Semaphore(SIGN_UPS_AT_ONCE)

    async def ready(user: Any) -> None:
        client = clients[user.id]
        async with gate:
            await client.sign_up()
        await client.sign_in()
        for category_id, name in user.categories.items():
            body = {"id": category_id, "name": name}
            await client.create("/v1/categories", body, f"category {category_id}")

    try:
        await asyncio.gather(*(ready(u) for u in users))
    except BaseException:
        await close_clients(clients.values())
        raise
    return clients


async def close_clients(clients: Iterable[Client]) -> None:
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


async def make_groups(
    clients: Mapping[str, Client], groups: Iterable[Any], currencies: Mapping[str, str]
) -> int:
    """Each group with bills (its currency: theirs) created by its first admin, who adds the
    other members; how many were made."""
    made = 0
    for index, group in enumerate(groups, 1):
        if group.id not in currencies:
            continue
        owner = clients[group.admin_ids[0]]
        body = {"id": group.id, "name": f"Household {index}", "currency": currencies[group.id]}
        await owner.create("/v1/groups", body, f"group {group.id}")
        for member in group.member_ids:
            if member == group.admin_ids[0]:
                continue
            role = "admin" if member in group.admin_ids else "member"
            added = {"email": clients[member].email, "role": role}
            await owner.create(
                f"/v1/groups/{group.id}/members", added, f"member {member} of {group.id}"
            )
        made += 1
    return made


async def post_all(clients: Mapping[str, Client], items: Sequence[Any]) -> Posting:
    """Every person's items through its own client, all people at once."""
    posting = Posting(accounts={uid: c.account for uid, c in clients.items()})
    mine: dict[str, list[Any]] = {uid: [] for uid in clients}
    for item in items:
        mine[item.owner_id].append(item)
    posting.started = time.perf_counter()
    try:
        await asyncio.gather(*(post_items(clients[u], its, posting) for u, its in mine.items()))
    finally:
        posting.ended = time.perf_counter()
    return posting
