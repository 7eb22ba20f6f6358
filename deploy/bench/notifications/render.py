"""The figures of ``ledgerbus bench notifications`` as lines a person reads (the JSON holds the
same and more)."""

from __future__ import annotations

from dataclasses import asdict

from deploy.bench.db_load import lines as db_lines
from deploy.bench.notifications.results import FanOutFigures, NotificationsResult, RateFigures
from deploy.bench.table import cpu_line, machine_line, p50_p99, process_rows

DB = "on SecantusDB"


def _rate_lines(r: RateFigures) -> list[str]:
    return [
        "",
        f"expenses at a fixed rate, each crossing a budget threshold ({DB}): asked "
        f"{r.rate_asked:g}/s, sent {r.rate_sent:g}/s, {r.samples:,} expenses, "
        f"{r.write_errors} errors" + (f" (first: {r.first_error})" if r.first_error else ""),
        f"  to the item on the device     {p50_p99(r.to_device_ms)}   "
        f"({r.items_on_devices:,} of {r.samples:,} arrived)",
        f"  to the mail in the SMTP server {p50_p99(r.to_mail_ms)}   "
        f"({r.mails:,} of {r.samples:,} arrived, {r.mails_repeated} repeated)",
        f"  from the budget alert on the device (the notifications actor's part): to the item "
        f"{p50_p99(r.alert_to_device_ms)}; to the mail {p50_p99(r.alert_to_mail_ms)}",
        f"  the expense's own answer      {p50_p99(r.write_ms)}",
        f"  left when the last answer came: {r.budgets_pending_after} events for the budgets "
        f"actor, {r.notifications_pending_after} for the notifications actor",
    ]


def _fan_lines(g: FanOutFigures) -> list[str]:
    lines = [
        "",
        f"a bill for a group of {g.group} (each other member gets an item and a mail)",
        f"  to the last device  {p50_p99(g.last_device_ms)}",
        f"  to the last mail    {p50_p99(g.last_mail_ms)}",
    ]
    if g.mails_per_s is not None:
        r = g.mails_per_s
        lines.append(
            f"  mails per second, one notifications process: {r['median']:.1f} "
            f"(bills' lowest {r['min']:.1f}, highest {r['max']:.1f})"
        )
    for n, b in enumerate(g.bills):
        lines.append(
            f"    bill {n + 1}: {b.devices}/{b.members_told} devices, last at "
            f"{b.last_device_ms} ms; {b.mails}/{b.members_told} mails, first at "
            f"{b.first_mail_ms} ms, last at {b.last_mail_ms} ms"
        )
    return lines


def render(f: NotificationsResult) -> str:
    o = f.header.options
    lines = [
        "",
        "ledgerbus bench notifications" + (" (--quick)" if o.quick else ""),
        machine_line(asdict(f.header.machine)),
        "  stack     edge (HTTP and Socket.IO), NATS JetStream, accounts, expenses, currency, "
        "budgets, splits and notifications actors, one process each; mail to this process's "
        "own SMTP server",
        f"  {f.users} people with {f.budgets_each} budgets each (thresholds every 10%, "
        f"threshold mails turned on) and a device each, ready in {f.setup_s:.1f} s",
    ]
    lines += _rate_lines(f.rate)
    lines.append(f"  CPU % of one core while sending: {cpu_line(f.cpu_percent)}")
    lines += db_lines(f.db_commands_per_expense, "expense, until its item and mail arrived")
    lines += _fan_lines(f.fan_out)
    lines += process_rows(f.memory_peak_mb, {}, "")
    lines += [
        "",
        f"  database  {f.header.database}",
        f"  children's output: {f.log_file}",
        f"  took {f.elapsed_s:.0f} s",
        "",
    ]
    return "\n".join(lines)
