"""The figures of ``ledgerbus bench receipts``, typed; their fields are the keys of its JSON, in
its order.

Some figures extend others by inheritance: a dataclass's fields come from its bases in reverse
method resolution order, so ``ProbeFigures(UploadFigures, ProbeHead)`` lists the probe's own
figures first and then those of its uploads, as the JSON always has. A phase's figures taken on
the devices at the end (``outcomes``, ...) come after those of its run (``IdleRun`` and
``IdleFigures``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from deploy.bench.figures import ABSENT_WHEN_NONE, Header
from deploy.bench.receipts.options import ReceiptsBenchOptions

Latency = dict[str, float] | None
"""p50, p95, p99, max and mean in milliseconds (see :func:`deploy.bench.stats.latency_summary`);
None without samples."""

Cpu = dict[str, float]
"""CPU % of one core of every process in a window, the whole machine's and the rest's."""


@dataclass(frozen=True)
class ImageFigures:
    """The receipts rendered before anything was timed."""

    count: int
    degraded: int
    render_s: float
    mean_kb: float


@dataclass(frozen=True)
class ReadAlone:
    """Receipts of one kind read one at a time in this process."""

    read_ms: Latency
    totals_right: int
    failed: int


@dataclass(frozen=True)
class AloneFigures:
    """Tesseract alone, clean and degraded (neither when none was read)."""

    count: int
    clean: ReadAlone | None = field(default=None, metadata=ABSENT_WHEN_NONE)
    degraded: ReadAlone | None = field(default=None, metadata=ABSENT_WHEN_NONE)


@dataclass(frozen=True)
class UploadFigures:
    """Uploads by status, and the latency of those answered 202 (errors are only counted)."""

    uploads: int
    accepted: int
    recorded: int
    recorded_late: int
    errors: int
    error_statuses: dict[str, int]
    first_error: str | None
    latency_ms: Latency


@dataclass(frozen=True)
class OutcomeFigures:
    """From just before each upload to its outcome on the owner's device."""

    accepted: int
    scanned: int
    failed: int
    missing: int
    failure_reasons: dict[str, int]
    scanned_ms: Latency
    failed_ms: Latency


@dataclass(frozen=True)
class Target:
    """The issue's target: p95 from upload to ``receipt.scanned`` under ``p95_ms_under``."""

    p95_ms_under: float
    p95_ms: float | None
    met: bool


@dataclass(frozen=True)
class IdleRun:
    """One at a time: the uploads."""

    uploads: UploadFigures


@dataclass(frozen=True)
class IdleFigures(IdleRun):
    """One at a time, with the outcomes on the device."""

    outcomes: OutcomeFigures


@dataclass(frozen=True)
class ArrivalsRun:
    """Arrivals at a fixed rate: the uploads and the CPU use."""

    rate: float
    duration_s: float
    late_sends: int
    uploads: UploadFigures
    cpu_percent: Cpu


@dataclass(frozen=True)
class ArrivalsFigures(ArrivalsRun):
    """Arrivals at a fixed rate, with the outcomes on the device and the target."""

    outcomes: OutcomeFigures
    target: Target


@dataclass(frozen=True)
class ProbeHead:
    """The probe's own figures: its rate, uploads planned and sent late, and the reads waiting
    when each was sent."""

    rate: float
    planned: int
    late_sends: int
    waiting_when_sent: list[int]


@dataclass(frozen=True)
class ProbeFigures(UploadFigures, ProbeHead):
    """The probe's uploads while the ocr process was saturated (its own figures first)."""


@dataclass(frozen=True)
class AllRead:
    """From the first upload of the phase until the last of its receipts was read."""

    receipts: int
    read: int
    scanned: int
    seconds: float
    receipts_per_s: float


@dataclass(frozen=True)
class SaturationRun:
    """Saturation: the backlog, the probe, and the receipts read by the one ocr process."""

    owners: int
    backlog_upload_s: float
    backlog: UploadFigures
    probe: ProbeFigures
    read_requested_at_once: int
    scanned: int
    failed: int
    missing: int
    duration_s: float
    receipts_per_s: float
    outcomes_per_s: float
    ocr_cpu_s_per_receipt: float | None
    worker_s_per_receipt: float | None
    cpu_percent: Cpu


@dataclass(frozen=True)
class SaturationFigures(SaturationRun):
    """Saturation, with the outcomes on the devices and the time until all were read."""

    outcomes: OutcomeFigures
    all_read: AllRead


@dataclass(frozen=True)
class LateHead:
    """How long the receipts recorded after their upload's answer were waited for."""

    waited_up_to_s: float


@dataclass(frozen=True)
class LateFigures(OutcomeFigures, LateHead):
    """The receipts recorded after their upload's answer, read once the sweeper asked."""


@dataclass(frozen=True)
class FinalFigures:
    """Every receipt uploaded, read back over HTTP: how many, by status at the end."""

    uploaded: int
    statuses: dict[str, int]


@dataclass(frozen=True)
class KindAccuracy:
    """Receipts of one kind scanned, and how many with the total printed."""

    scanned: int
    totals_right: int


@dataclass(frozen=True)
class Accuracy:
    """The totals read against the totals printed."""

    clean: KindAccuracy
    degraded: KindAccuracy


@dataclass(frozen=True)
class HttpFigures:
    """Every figure taken on the stack."""

    users: int
    sign_up_s: float
    devices: int
    devices_connect_s: float
    ocr_workers: int
    outcome_wait_s: float
    ocr_retry_after_s: float
    ocr_sweep_s: float
    write_limits: dict[str, str]
    idle: IdleFigures
    arrivals: ArrivalsFigures
    saturation: SaturationFigures
    late: LateFigures
    final: FinalFigures
    accuracy: Accuracy
    events_on_devices: dict[str, int]
    memory_peak_mb: dict[str, float]
    memory_peak_saturated_mb: dict[str, float]


@dataclass(frozen=True)
class ReceiptsResult:
    """One run of ``ledgerbus bench receipts``."""

    header: Header[ReceiptsBenchOptions]
    images: ImageFigures
    alone: AloneFigures
    http: HttpFigures
    process_peak_rss_mb: float
    log_file: str
    elapsed_s: float
