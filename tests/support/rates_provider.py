"""A local HTTP server that serves reference rates in the ECB's real XML format, and can be told
to answer badly (malformed, slow, an error status) — the stack's rates provider in tests."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ECB_DAY = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
	<gesmes:subject>Reference rates</gesmes:subject>
	<gesmes:Sender>
		<gesmes:name>European Central Bank</gesmes:name>
	</gesmes:Sender>
	<Cube>
		<Cube time='{day}'>
{cubes}
		</Cube>
	</Cube>
</gesmes:Envelope>
"""


def ecb_document(day: str, rates: dict[str, str]) -> bytes:
    cubes = "\n".join(f"\t\t\t<Cube currency='{c}' rate='{r}'/>" for c, r in rates.items())
    return ECB_DAY.format(day=day, cubes=cubes).encode()


@dataclass
class ProviderState:
    body: bytes = b""
    status: int = 200
    delay_s: float = 0.0
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def serve(self, body: bytes, status: int = 200, delay_s: float = 0.0) -> None:
        with self.lock:
            self.body, self.status, self.delay_s = body, status, delay_s


class RatesProvider:
    def __init__(self) -> None:
        self.state = ProviderState()
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with state.lock:
                    body, status, delay = state.body, state.status, state.delay_s
                    state.requests += 1
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/eurofxref-daily.xml"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
