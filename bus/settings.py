"""Settings shared by every process, read once from ``LEDGERBUS_*`` environment variables.

A composition root builds one :class:`Settings` and passes it down; business code never reads
the environment itself.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every tunable of ledgerbus. Environment: ``LEDGERBUS_<FIELD>`` (upper case)."""

    model_config = SettingsConfigDict(env_prefix="LEDGERBUS_", extra="ignore", frozen=True)

    # Servers
    nats_url: str = Field("nats://127.0.0.1:4222", description="NATS server(s), comma separated.")
    nats_reconnect_stall_s: float = Field(
        30.0,
        gt=0,
        description="A process whose NATS client has been reconnecting this long without trying "
        "a server ends itself (exit 75) to be started again.",
    )
    mongo_uri: str = Field(
        "mongodb://127.0.0.1:27017/?directConnection=true",
        description="MongoDB (replica set, or the embedded SecantusDB) connection string.",
    )
    mongo_db: str = Field("ledgerbus", description="Database name.")
    nats_tls_ca_file: Path | None = Field(
        None, description="CA bundle NATS servers are checked with."
    )
    nats_tls_cert_file: Path | None = Field(None, description="Client certificate for NATS (mTLS).")
    nats_tls_key_file: Path | None = Field(None, description="Key of nats_tls_cert_file.")
    mongo_tls_ca_file: Path | None = Field(
        None, description="CA bundle MongoDB servers are checked with (turns TLS on)."
    )
    mongo_tls_certificate_key_file: Path | None = Field(
        None, description="Client certificate and key for MongoDB, one PEM file (mTLS)."
    )
    durability: Literal["process_crash", "power_loss"] = Field(
        "power_loss",
        description="What an acknowledged write survives on the embedded stack: `power_loss` "
        "fsyncs JetStream and SecantusDB on every commit; `process_crash` leaves it to the OS.",
    )
    embedded_tls_cert_file: Path | None = Field(
        None, description="Certificate chain the embedded NATS and SecantusDB serve TLS with."
    )
    embedded_tls_key_file: Path | None = Field(None, description="Key of embedded_tls_cert_file.")

    # HTTP edge / realtime
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    max_body_bytes: int = 1024 * 1024
    outcome_wait_s: float = Field(3.0, description="How long a write waits for its outcome.")
    public_url: str | None = Field(
        None,
        description="The API's address as people reach it (links in mails to the API, such as "
        "one-click unsubscribe); unset: http://<http_host>:<http_port>.",
    )
    expect_actors: str = Field(
        "accounts,budgets,currency,expenses,fraud,notifications,ocr,splits",
        description="Actors /readyz requires to answer, comma separated (empty: none); "
        "`ledgerbus up` sets the ones it runs.",
    )
    ready_timeout_s: float = Field(1.0, description="How long /readyz waits for each part.")
    cors_origins: str = Field(
        "",
        description="Origins (scheme://host[:port]) allowed cross-origin access to REST and "
        "Socket.IO, comma separated; empty: none.",
    )
    trusted_proxies: str = Field(
        "",
        description="Addresses or CIDRs of reverse proxies whose X-Forwarded-For names the "
        "client, comma separated; empty: the peer is the client.",
    )

    # Auth
    jwt_secret: SecretStr | None = Field(
        None, description="HS256 signing secret; the embedded stack generates one in data_dir."
    )
    link_secret: SecretStr | None = Field(
        None,
        description="Signs the links of account mails (confirm an address, reset a password); "
        "the edge and the notifications actor need it. The embedded stack generates one in "
        "data_dir.",
    )
    jwt_issuer: str = "ledgerbus"
    access_token_ttl_s: int = 900
    refresh_token_ttl_s: int = 30 * 24 * 3600
    login_max_per_account: int = Field(
        10, description="Failed logins per account from one address per window."
    )
    login_max_per_address: int = Field(30, description="Failed logins per address per window.")
    login_max_per_account_total: int = Field(
        100, description="Failed logins per account from all addresses together per window."
    )
    register_max_per_address: int = Field(20, description="Sign-ups per address per window.")
    login_window_s: int = 900
    account_mail_max_per_address: int = Field(
        10, ge=1, description="Password-reset requests from one address per account_mail_window_s."
    )
    account_mail_max_per_account: int = Field(
        3,
        ge=1,
        description="Account mails (reset links, new confirmation links) one account may be sent "
        "per account_mail_window_s.",
    )
    account_mail_window_s: int = Field(3600, ge=1, description="The window of the two above.")
    writes_per_user_s: float = Field(
        50.0, description="Commands per second one user may send to one node (sustained)."
    )
    writes_burst: int = Field(500, description="Commands one user may send at once (a sync batch).")

    # Streams and consumers
    stream_duplicate_window_s: float = 120.0
    stream_max_age_s: float = Field(0.0, description="JetStream retention; 0 keeps forever.")
    stream_replicas: int = Field(
        1, ge=1, le=5, description="Servers that keep each stream (a cluster's size, at most 5)."
    )
    stream_setup_timeout_s: float = Field(
        60.0,
        gt=0,
        description="How long a process waits at start for JetStream to answer for its streams "
        "and consumers (a cluster electing leaders).",
    )
    stream_storage: Literal["file", "memory"] = "file"
    consumer_ack_wait_s: float = 30.0
    consumer_max_deliver: int = 5
    consumer_max_ack_pending: int = 2048
    consumer_nak_delay_s: float = 1.0
    batch_max: int = Field(64, description="Most commands one actor transaction applies.")
    actor_lanes: int = Field(
        2, description="Concurrent batches per actor process, each owning a share of the scopes."
    )
    fraud_lanes: int | None = Field(
        None,
        ge=1,
        description="Concurrent batches per fraud actor process (unset: actor_lanes).",
    )
    fraud_batch_max: int = Field(
        256,
        ge=1,
        description="Most expense events one fraud transaction scores. A person's profile "
        "(tens of KB) is written once per batch, and a batch's reads are a few queries "
        "whatever its size, so larger batches than other actors' cost less per event.",
    )
    drain_timeout_s: float = 10.0

    # Push
    vapid_private_key_file: Path | None = Field(
        None,
        description="PEM (P-256) of the VAPID key web pushes are signed with; unset: "
        "`vapid_private.pem` in data_dir, made on first use.",
    )
    vapid_subject: str = Field(
        "mailto:ops@ledgerbus.localhost",
        description="Contact push services see in each VAPID token (`mailto:` or https URL).",
    )
    push_allow_http_loopback: bool = Field(
        False,
        description="Accept and send to http push endpoints on loopback hosts (local push "
        "servers in tests and on the embedded stack); off: https on public hosts only.",
    )
    push_timeout_s: float = Field(
        10.0, gt=0, description="Longest one push request (and an FCM token request) may take."
    )
    fcm_project_id: str | None = Field(
        None, description="Firebase project FCM messages are sent as; unset: the service account's."
    )
    fcm_service_account_file: Path | None = Field(
        None,
        description="Google service-account JSON whose key signs FCM's OAuth2 grant; unset: no FCM.",
    )
    fcm_base_url: str = Field(
        "https://fcm.googleapis.com", description="FCM HTTP v1 API (scheme and host)."
    )
    fcm_token_url: str | None = Field(
        None, description="OAuth2 token URL for FCM; unset: the service account's `token_uri`."
    )
    apns_team_id: str | None = Field(
        None, description="Apple developer team id, the `iss` of APNs provider tokens."
    )
    apns_key_id: str | None = Field(
        None, description="Id of the APNs signing key (.p8), the `kid` of provider tokens."
    )
    apns_key_file: Path | None = Field(
        None, description="The APNs signing key (.p8, P-256 PEM); unset: no APNs."
    )
    apns_topic: str | None = Field(None, description="The app's bundle id, sent as `apns-topic`.")
    apns_base_url: str = Field(
        "https://api.push.apple.com",
        description="APNs API (production; https://api.sandbox.push.apple.com for development builds).",
    )
    apns_ca_file: Path | None = Field(
        None,
        description="A CA bundle to trust for the APNs API beside the system's (a gateway's, "
        "or a local server's); unset: the system's alone.",
    )

    # Outbox relay
    relay_interval_s: float = 1.0
    relay_min_age_s: float = Field(
        2.0, description="Only events older than this are republished (the normal path is faster)."
    )

    # Currency
    rates_provider_url: str = Field(
        "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml",
        description="Reference rates in the ECB's XML format (daily or history file).",
    )
    rates_provider_name: str = Field("ECB", description="Source name recorded on every rate.")
    rates_refresh_interval_s: float = Field(
        6 * 3600.0, description="How often the currency actor refreshes rates; 0 turns it off."
    )
    rates_fetch_timeout_s: float = 20.0
    rates_seed: bool = Field(
        True, description="Seed the rate store from the bundled ECB history when it is empty."
    )
    rates_max_age_days: int = Field(
        0,
        ge=0,
        description="Refuse (rate_missing) a rate older than this before the date asked for; "
        "0: no limit, the latest known rate is used and marked stale.",
    )
    rates_stale_after_days: int = Field(
        5, ge=0, description="A quote whose rate is older than this is marked stale."
    )
    rates_max_jump: float = Field(
        10.0, description="A new rate this many times above or below the last one is refused."
    )
    rates_reload_s: float = Field(
        5.0, description="How often a converting process looks for newly written rates."
    )
    recurring_tick_s: float = Field(
        30.0, description="How often each budgets process makes due recurring expenses; 0: never."
    )
    ocr_workers: int = Field(2, description="Receipts one ocr process reads at once (threads).")
    ocr_timeout_s: float = Field(20.0, description="Longest Tesseract may spend on one receipt.")
    ocr_retry_after_s: float = Field(
        180.0, description="A receipt pending this long is sent to be read again."
    )
    ocr_give_up_after_s: float = Field(
        900.0, description="A receipt pending this long is marked failed."
    )
    ocr_sweep_s: float = Field(60.0, description="How often the ocr actor sweeps; 0: never.")
    receipt_orphan_after_s: float = Field(
        3600.0, description="An image this old without its receipt record is deleted."
    )
    receipt_max_bytes: int = Field(10 * 1024 * 1024, description="Largest receipt upload.")
    receipt_max_pixels: int = Field(40_000_000, description="Largest receipt image, in pixels.")
    receipt_auto_apply_confidence: float = Field(
        0.8, description="A receipt uploaded with auto_apply makes its expense at this confidence."
    )
    fraud_flag_threshold: int = Field(
        50, ge=1, le=100, description="A risk score at or over this raises a flag."
    )
    rpc_timeout_s: float = Field(3.0, description="How long a request-reply query waits.")

    # Mail
    smtp_host: str = Field(
        "127.0.0.1", description="SMTP server mail is sent through (the embedded stack's sink)."
    )
    smtp_port: int = Field(8025, description="Port of smtp_host.")
    smtp_starttls: bool = Field(
        False, description="Require STARTTLS after connecting (port 587 submission)."
    )
    smtp_tls: bool = Field(False, description="Connect over TLS from the start (port 465).")
    smtp_tls_ca_file: Path | None = Field(
        None, description="CA bundle the SMTP server is checked with; unset: the system's."
    )
    smtp_username: SecretStr | None = Field(None, description="SMTP AUTH login; unset: no AUTH.")
    smtp_password: SecretStr | None = Field(None, description="Password of smtp_username.")
    smtp_timeout_s: float = Field(
        10.0, gt=0, description="Longest wait for the SMTP server at each step of a send."
    )
    smtp_keep_open: int = Field(
        4,
        ge=0,
        le=64,
        description="SMTP connections a notifications process keeps open between mails "
        "(0: a connection per mail).",
    )
    smtp_idle_s: float = Field(
        20.0, gt=0, description="A kept SMTP connection idle longer than this is not used again."
    )
    smtp_helo_name: str | None = Field(
        None,
        min_length=1,
        max_length=255,
        pattern=r"^[A-Za-z0-9.\[\]:-]+$",
        description="The name given in EHLO; unset: this host's FQDN.",
    )
    mail_from: str = Field(
        "ledgerbus <no-reply@ledgerbus.localhost>", description="From address of every mail."
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8080", description="Base of the links in mails (the app's deep links)."
    )
    notification_lease_s: float = Field(
        60.0,
        gt=0,
        description="How long a sender holds a delivery it is sending; one that dies holding it "
        "is sent again (same Message-ID) after this.",
    )
    notification_retry_base_s: float = Field(
        5.0, gt=0, description="Wait before a delivery's second attempt; doubled each time."
    )
    notification_retry_max_s: float = Field(
        3600.0, gt=0, description="Longest wait between two attempts of a delivery."
    )
    notification_max_attempts: int = Field(
        10, ge=1, le=100, description="Attempts of a delivery before it is given up (failed)."
    )
    notification_sweep_s: float = Field(
        2.0,
        ge=0,
        description="How often each notifications process looks for deliveries due (retries, "
        "and first attempts no event woke it for); 0: never.",
    )
    notification_digest_tick_s: float = Field(
        300.0,
        ge=0,
        description="How often each notifications process looks for digests due (a day or week "
        "ended in someone's timezone); 0: never.",
    )
    notification_senders: int = Field(
        16, ge=1, le=256, description="Deliveries one notifications process sends at once."
    )

    # Process
    data_dir: Path = Path(".ledgerbus")
    node_id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "console"
    metrics_port: int | None = Field(
        None,
        description="Port of this process's Prometheus listener (GET /metrics); unset: none. "
        "`ledgerbus up` gives each child a free one.",
    )
    metrics_host: str = Field(
        "127.0.0.1", description="Address the Prometheus listener binds (0.0.0.0 in containers)."
    )
    traces: Literal["off", "console", "otlp"] = Field(
        "off",
        description="Where this process's OpenTelemetry spans go: nowhere (`off`: no spans, no "
        "trace headers), printed (`console`), or OTLP over HTTP to `otlp_endpoint`.",
    )
    otlp_endpoint: str = Field(
        "http://127.0.0.1:4318/v1/traces",
        description="The OTLP/HTTP traces URL spans are sent to when `traces` is `otlp`.",
    )
    activity_log_interval_s: float = Field(
        60.0,
        description="How often each actor logs a summary of its work (each command is DEBUG).",
    )
    failpoint: Literal["", "crash_after_commit"] = Field(
        "",
        description="Crash-recovery drills: `crash_after_commit` kills an actor between commit and publish.",
    )

    @property
    def api_base_url(self) -> str:
        """``public_url``, or the edge's own address (loopback when it listens on all)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.http_host in ("0.0.0.0", "::", "") else self.http_host
        return f"http://{host}:{self.http_port}"
