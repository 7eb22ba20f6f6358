"""``python -m deploy.bench notifications --quick`` end to end: every figure is there, with sane
values, and every notification arrived, once.

No speed is asserted: the benchmark reports, it does not judge. The run starts its own stack and
its own SMTP server, so this test needs no fixtures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.bench_smoke import check_latency, run_quick_bench

pytestmark = pytest.mark.integration

SAMPLES = 20
GROUP = 5
BILLS = 2
PROCESSES = ("nats", "mongo", "edge", "actor:notifications", "actor:budgets", "actor:splits")


def test_quick_notifications_bench_reports_every_figure(tmp_path: Path) -> None:
    out, figures = run_quick_bench("notifications", tmp_path)
    assert "to the mail in the SMTP server" in out
    rate = figures["rate"]
    assert (rate["samples"], rate["write_errors"]) == (SAMPLES, 0), rate
    assert rate["items_on_devices"] == SAMPLES, rate  # every item reached its owner's device
    assert rate["mails"] == SAMPLES, rate  # and its mail the SMTP server
    assert rate["mails_repeated"] == 0, rate  # once
    for key in ("to_device_ms", "to_mail_ms", "alert_to_device_ms", "alert_to_mail_ms", "write_ms"):
        check_latency(key, rate[key])
    # the notifications actor's part is part of the whole way
    assert rate["alert_to_device_ms"]["p50"] < rate["to_device_ms"]["p50"], rate
    assert rate["rate_sent"] > 0
    assert isinstance(rate["budgets_pending_after"], int)
    assert isinstance(rate["notifications_pending_after"], int)
    fan = figures["fan_out"]
    assert fan["group"] == GROUP
    assert len(fan["bills"]) == BILLS
    for bill in fan["bills"]:
        told = GROUP - 1  # everyone with a share but the one who added it
        assert (bill["members_told"], bill["devices"], bill["mails"]) == (told, told, told), bill
        assert 0 < bill["first_mail_ms"] <= bill["last_mail_ms"], bill
    check_latency("last_device_ms", fan["last_device_ms"])
    check_latency("last_mail_ms", fan["last_mail_ms"])
    for name in PROCESSES:
        assert figures["memory_peak_mb"][name] > 0, name
