"""The OpenAPI document is what the code does: schemathesis, run against the real stack.

Every operation of ``/v1/openapi.json`` is called with requests generated from the document
(examples, coverage, fuzzing and stateful phases; valid and invalid data), and every answer is
held to it with every check: a status code, header, body or media type the document does not
state, a valid request refused or an invalid one accepted, fails the test. Two checks are left
out because the behaviour they flag is documented: ``use_after_free`` (deleting a category
archives it, so it can still be read and renamed) and ``ensure_resource_availability`` (an
expense's risk score is made in the background, so it is 404 for a moment after the expense).

The examples per operation are bounded and generation is deterministic (derandomized), so a
run is the same every time and takes a couple of minutes. For the full run with 25 examples per operation
against ``ledgerbus up``, see ``tests/conformance_cli.py``.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

from tests.support.conformance_cli import ROOT, config_text
from tests.support.group_helpers import make_group
from tests.support.helpers import PASSWORD, Stack

pytestmark = pytest.mark.integration

DOCUMENTED_EXCEPTIONS = "use_after_free,ensure_resource_availability"
EXAMPLES_PER_OPERATION = "5"
RUN_LIMIT_S = 540  # about 150 s on a busy 2-core machine; a hang still ends


@pytest.mark.timeout(RUN_LIMIT_S + 60)
async def test_every_operation_answers_as_its_openapi_document_says(
    stack: Stack, tmp_path: Path
) -> None:
    account = await stack.signup("Conformance")
    config = tmp_path / "schemathesis.toml"
    config.write_text(config_text(account.email, PASSWORD))
    st = Path(sys.executable).with_name("st")
    process = await asyncio.create_subprocess_exec(
        str(st),
        "--config-file",
        str(config),
        "run",
        f"{stack.base_url}/v1/openapi.json",
        "--checks",
        "all",
        "--exclude-checks",
        DOCUMENTED_EXCEPTIONS,
        "--max-examples",
        EXAMPLES_PER_OPERATION,
        "--generation-deterministic",  # the same requests every run (no seed needed)
        "--no-color",
        "--workers",
        "1",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "SCHEMATHESIS_TELEMETRY": "false"},
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), RUN_LIMIT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    report = output.decode(errors="replace")
    assert process.returncode == 0, report[-60_000:]
    selected = re.search(r"Selected: (\d+)/(\d+)", report)
    tested = re.search(r"Tested: (\d+)", report)
    assert selected, report[-5_000:]
    assert tested, report[-5_000:]
    assert int(tested[1]) == int(selected[2]) > 80, report[-5_000:]  # every operation called


async def test_a_multipart_upload_without_a_boundary_is_400_not_500(stack: Stack) -> None:
    account = await stack.signup("Boundary")
    status, problem = await stack.call(
        "POST",
        "/v1/receipts",
        account,
        data=b"--x\r\n",
        headers={"Content-Type": "multipart/form-data"},
    )
    assert (status, problem["code"]) == (400, "malformed_multipart"), problem


async def test_an_empty_cursor_is_the_first_page_on_every_list(stack: Stack) -> None:
    ada = await stack.signup("Cursor")
    group = await make_group(stack, ada)
    for path in (
        "/v1/expenses",
        "/v1/trips",
        f"/v1/groups/{group['id']}/expenses",
        f"/v1/groups/{group['id']}/settlements",
        f"/v1/groups/{group['id']}/balances/{ada.id}/explain",
    ):
        status, page = await stack.call("GET", f"{path}?cursor=", ada)
        assert (status, page["items"]) == (200, []), (path, page)
