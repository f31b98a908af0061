"""A Slack-style webhook receiver on 127.0.0.1 that records every POST."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class ReceivedPost:
    path: str
    content_type: str
    body: dict


@dataclass
class WebhookServer:
    url: str
    # HTTP status of each response in turn, then 200 once the list is used up.
    statuses: list[int] = field(default_factory=list)
    posts: list[ReceivedPost] = field(default_factory=list)


@contextmanager
def webhook_server(statuses: list[int] | None = None) -> Iterator[WebhookServer]:
    """Serve on a free port of 127.0.0.1 until the block ends.

    The URL path has the shape of a Slack webhook path, whose last part is the secret.
    """
    state = WebhookServer(url="", statuses=list(statuses or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length).decode("utf-8"))
            state.posts.append(ReceivedPost(self.path, self.headers.get("Content-Type", ""), body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/services/T000/B000/secret-token-123"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
