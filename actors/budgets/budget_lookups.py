"""Finding budgets: the live budgets of a scope, the one a caller may change, categories that
are not the caller's; and the scope's version, moved by every change to what it counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from actors.kernel import Decision, reject
from actors.work import Work
from bus.budgets import MAX_BUDGETS
from bus.envelopes import Command
from storage.budgets import BudgetDoc, BudgetScopeDoc, BudgetTallyDoc
from storage.preloads import ids_by_key
from storage.shared import category_of, group_roles
from storage.unit_of_work import BatchWork

GROUP_EDITORS = ("owner", "admin")
SCOPE_LIMIT = MAX_BUDGETS * 2  # a scope's budgets read at most (deleted ones are not counted)


def _scope_key(scope: str) -> tuple[str, str]:
    return ("scope_budgets", scope)  # the database's answer is the same all through the attempt


async def scope_budgets(work: Work, scope: str) -> list[BudgetDoc]:
    """The live budgets counting ``scope``'s expenses (written, or staged by this batch)."""
    key = _scope_key(scope)
    ids = work.memo.get(key)
    if ids is None:
        query = {"scope": scope, "deleted": False}
        ids = work.memo[key] = await work.find_ids(BudgetDoc, query, SCOPE_LIMIT)
    staged = [d.id for d in work.staged_of(BudgetDoc) if d.scope == scope]
    budgets = []
    for budget_id in dict.fromkeys([*ids, *staged]):
        doc = await work.get(BudgetDoc, budget_id)
        if doc is not None and not doc.deleted and doc.scope == scope:
            budgets.append(doc)
    return budgets


async def preload_scopes(work: BatchWork, scopes: Sequence[str]) -> None:
    """The live budgets of every scope of a batch and their tallies, in two queries, as
    :func:`scope_budgets` and the reactions would read them one scope at a time."""
    wanted = [s for s in scopes if _scope_key(s) not in work.memo]
    live = {"deleted": False}
    found = await ids_by_key(work, BudgetDoc, "scope", wanted, live, SCOPE_LIMIT)
    if found is None:
        return
    for scope, ids in found.items():
        work.memo[_scope_key(scope)] = ids
    await work.load(BudgetTallyDoc, [i for ids in found.values() for i in ids])


async def editable(work: Work, command: Command, budget_id: str) -> BudgetDoc | Decision:
    """The budget if the issuer may change it: their own, or their group's as an admin."""
    doc = await work.get(BudgetDoc, budget_id)
    user = command.actor.user_id
    if doc is None or doc.deleted:
        return reject("not_found", "no such budget")
    if doc.group_id is None:
        return doc if doc.owner_id == user else reject("not_found", "no such budget")
    group = await group_roles(work, doc.group_id)
    role = group.role_of(user) if group is not None else None
    if role is None:
        return reject("not_found", "no such budget")
    if role not in GROUP_EDITORS:
        return reject("forbidden", "only the group's admins change its budgets")
    return doc


async def foreign_categories(work: Work, owner: str, ids: Iterable[str]) -> Decision | None:
    wrong = {}
    for n, category_id in enumerate(ids):
        category = await category_of(work, category_id)
        if category is None or category.owner_id != owner:
            wrong[f"category_ids.{n}"] = "not one of your categories"
    if wrong:
        return reject("not_found", "unknown categories", fields=wrong)
    return None


async def touch_scope(work: Work, scope: str) -> None:
    """Move the scope's version (see ``BudgetScopeDoc``): whatever reads the scope's expenses
    or budgets at the same moment conflicts with this and retries."""
    held = await work.get(BudgetScopeDoc, scope)
    version = held.version + 1 if held is not None else 1
    work.put(BudgetScopeDoc(id=scope, version=version, updated_at=work.now))
