"""Run the full schemathesis CLI against a running ledgerbus (``ledgerbus up``, or any node).

    .venv/bin/python -m tests.support.conformance_cli http://127.0.0.1:8080 [st run options...]

It signs up a fresh user and runs ``st run <base>/v1/openapi.json --checks all`` with every
phase, 25 examples per operation and seed 1 unless other options are given. The user signs in
again whenever an answer is 401, because the run also calls ``POST /v1/auth/logout`` (which
ends the session it was given). Exits with schemathesis's status: 0 when nothing failed.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

DEFAULT_OPTIONS = ["--checks", "all", "--max-examples", "25", "--seed", "1"]
PASSWORD = "conformance-" + secrets.token_hex(8)


def sign_up(base: str) -> str:
    """A fresh account's email (its password is :data:`PASSWORD`)."""
    email = f"conformance-{secrets.token_hex(6)}@example.com"
    body = {"email": email, "password": PASSWORD, "name": "Conformance"}
    request = urllib.request.Request(
        f"{base}/v1/auth/register",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": email},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30):
            pass
    except urllib.error.HTTPError as exc:  # 429: this address used its sign-ups for a while
        wait = exc.headers.get("Retry-After", "?")
        raise SystemExit(f"sign-up answered {exc.code} (Retry-After: {wait} s)") from exc
    wait_for_sign_in(base, email)
    return email


def wait_for_sign_in(base: str, email: str, timeout_s: float = 60.0) -> None:
    """Until the account exists (a sign-up answered 202 is applied a moment later)."""
    body = json.dumps({"email": email, "password": PASSWORD}).encode()
    deadline = time.monotonic() + timeout_s
    while True:
        request = urllib.request.Request(
            f"{base}/v1/auth/login",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30):
                return
        except urllib.error.HTTPError as exc:
            if exc.code != 401 or time.monotonic() > deadline:
                raise SystemExit(f"sign-in answered {exc.code}") from exc
        time.sleep(0.5)


ROOT = Path(__file__).resolve().parents[2]
HOOKS = ROOT / "tests" / "support" / "conformance_hooks.py"


RULES_BEYOND_JSON_SCHEMA = {
    ("POST", "/v1/trips"): ("end_date on or after start_date", ("422",)),
    ("PATCH", "/v1/trips/{id}"): ("the trip still ends on or after it starts", ("422",)),
    ("POST", "/v1/budgets"): ("starts_on at most two years before today", ("422",)),
    ("POST", "/v1/goals/{id}/contributions"): (
        "no more decimals than the goal's currency",
        ("422",),
    ),
    ("POST", "/v1/goals/{id}/withdrawals"): ("no more decimals than the goal's currency", ("422",)),
    ("PATCH", "/v1/goals/{id}"): ("no more decimals than the goal's currency", ("422",)),
    ("PATCH", "/v1/budgets/{id}"): ("the budget still ends on or after it starts", ("422",)),
    ("PATCH", "/v1/recurring/{id}"): ("end_date on or after the rule's start", ("422",)),
    ("POST", "/v1/currency/convert"): ("a currency never quoted has no rate", ("422",)),
    ("POST", "/v1/groups/{id}/settlements"): ("from and to are two different members", ("422",)),
    ("PATCH", "/v1/expenses/{id}"): (
        "an amount or currency changed alone still fits the other's decimals",
        ("422",),
    ),
    ("POST", "/v1/receipts/{id}/apply"): (
        "an amount given alone fits the receipt's currency's decimals",
        ("422",),
    ),
    ("POST", "/v1/groups/{id}/expenses"): (
        "payers and exact shares add up to the amount, each in the bill's decimals",
        ("422",),
    ),
    ("PATCH", "/v1/groups/{id}/expenses/{expense_id}"): (
        "payers and exact shares add up to the amount, each in the bill's decimals",
        ("422",),
    ),
    ("POST", "/v1/recurring"): ("start_date at most a year before today", ("422",)),
    ("GET", "/v1/budgets"): ("`on` at most 400 days after today", ("422",)),
    ("GET", "/v1/budgets/{id}"): ("`on` at most 400 days after today", ("422",)),
    ("GET", "/v1/budgets/{id}/status"): ("`on` at most 400 days after today", ("422",)),
    ("POST", "/v1/receipts"): (
        "a readable image, at least 50 px a side, of its type",
        ("415", "422"),
    ),
    ("POST", "/v1/auth/verify-email"): ("the token of a link the server mailed", ("400",)),
    ("POST", "/v1/auth/password/reset"): ("the token of a link the server mailed", ("400",)),
}
"""Rules a JSON Schema cannot state (one field against another or against today, what a file's
bytes hold), stated in these operations' descriptions: a schema-valid request breaking one is
answered with these statuses, as documented."""
ACCEPTED = ("2xx", "3xx", "401", "403", "404", "409", "429", "5xx")
"""What schemathesis accepts for a schema-valid request by default."""


def config_text(email: str, password: str = PASSWORD) -> str:
    """A schemathesis config that signs in as ``email`` (again after any 401), with the hooks
    that make generated requests the ones a correct client sends (see that module)."""
    return (
        f'hooks = "{HOOKS}"\n\n'
        "[auth.dynamic.openapi.bearer]\n"
        'path = "/v1/auth/login"\n'
        f'payload = {{ email = "{email}", password = "{password}" }}\n'
        'extract_selector = "/access_token"\n'
    ) + "".join(
        f'\n[[operations]]  # {rule}\ninclude-name = "{method} {path}"\n'
        "checks.positive_data_acceptance.expected-statuses = "
        f"{json.dumps([*ACCEPTED, *statuses])}\n"
        for (method, path), (rule, statuses) in RULES_BEYOND_JSON_SCHEMA.items()
    )


def main(argv: list[str]) -> int:
    if not argv or argv[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    base, options = argv[0].rstrip("/"), argv[1:] or DEFAULT_OPTIONS
    email = sign_up(base)
    st = Path(sys.executable).with_name("st")
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp, "schemathesis.toml")
        config.write_text(config_text(email))
        command = [str(st), "--config-file", str(config), "run", f"{base}/v1/openapi.json"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the hooks import the project
        return subprocess.call([*command, *options], env=env)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
