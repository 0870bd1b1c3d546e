"""What does accepting a person's 5 MB photo cost the worker, beside just downloading it?

Both figures come from this run, over real TCP on loopback:
- plain: `requests` fetching the same bytes from the same local server (the floor);
- accept: the worker's path — Twilio's media URL checked, fetched with credentials, the
  307 to the "CDN" followed by hand without them, streamed under the size cap — then the
  bytes inspected (type, decode, resolution, blank check, SHA-256) and written to a fresh
  local store (temporary file, fsync, link).

A transport adapter sends https://api.twilio.com and the CDN host to the loopback server,
so the code under test is the production code, URL check included.

Run: .venv/bin/python bench/attachments.py [N] [MEGABYTES]   (nothing leaves this machine)
"""
from __future__ import annotations

import io
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
from requests.adapters import HTTPAdapter  # noqa: E402

from bot.services.attachments.download import download_media  # noqa: E402
from bot.services.attachments.inspect import inspect_bytes  # noqa: E402
from bot.services.attachments.store import LocalStore  # noqa: E402

ACCOUNT_SID = "AC" + "0" * 32
TOKEN = "bench-token"
MEDIA_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM{'1' * 32}/Media/ME{'2' * 32}"
MEDIA_URL = f"https://api.twilio.com{MEDIA_PATH}"
CDN_HOST = "mms.cdn.bench"
CDN_PATH = "/media/photo.jpg"


def photo_of_about(megabytes: float) -> bytes:
    """A document photographed with sensor noise (noise compresses badly, like a phone's
    12 MP photo) near the size."""
    from PIL import Image, ImageDraw

    side = 1200
    while True:
        page = Image.new("RGB", (side, side), (235, 232, 225))
        draw = ImageDraw.Draw(page)
        for row in range(40):
            y = side // 20 + row * side // 45
            draw.rectangle([side // 20, y, side // 20 + (row * 97) % (side * 3 // 4), y + side // 90],
                           fill=(30, 30, 50))
        noise = Image.merge("RGB", [Image.effect_noise((side, side), 64 + 10 * i)
                                    for i in range(3)])
        image = Image.blend(page, noise, 0.35)
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=92)
        if buffer.tell() >= megabytes * 1024 * 1024 or side > 6000:
            return buffer.getvalue()
        side = int(side * 1.07)


def serve(body: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            if self.path == MEDIA_PATH:
                self.send_response(307)
                self.send_header("Location", f"https://{CDN_HOST}{CDN_PATH}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Loopback(HTTPAdapter):
    """https://<any host>/path → http://127.0.0.1:<port>/path, Host header kept."""

    def __init__(self, port: int):
        super().__init__()
        self.port = port

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        request.headers["Host"] = parts.netloc
        request.url = urlunsplit(("http", f"127.0.0.1:{self.port}", parts.path, parts.query, ""))
        return super().send(request, **kwargs)


def timed(fn, n: int) -> list[float]:
    samples = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    megabytes = float(sys.argv[2]) if len(sys.argv) > 2 else 5
    body = photo_of_about(megabytes)
    server = serve(body)
    port = server.server_address[1]
    http = requests.Session()
    http.mount("https://", Loopback(port))
    plain_http = requests.Session()
    root = Path(tempfile.mkdtemp(prefix="planbot-bench-attachments-"))
    parts: dict[str, list[float]] = {"download": [], "inspect": [], "store": []}

    def plain(_):
        answer = plain_http.get(f"http://127.0.0.1:{port}{CDN_PATH}", timeout=30)
        assert answer.content == body

    def accept(i):
        t0 = time.perf_counter()
        downloaded = download_media(MEDIA_URL, account_sid=ACCOUNT_SID, auth_token=TOKEN,
                                    http=http)
        t1 = time.perf_counter()
        inspection = inspect_bytes(downloaded.body)
        t2 = time.perf_counter()
        assert inspection.accepted, inspection.reasons
        LocalStore(root / str(i)).put(downloaded.body)  # a fresh store: a real write each time
        t3 = time.perf_counter()
        for name, value in zip(parts, (t1 - t0, t2 - t1, t3 - t2)):
            parts[name].append(value * 1000)

    plain(0), accept(-1)  # warm-up: connections, imports, decoder
    for values in parts.values():
        values.clear()
    plain_ms = timed(plain, n)
    accept_ms = timed(accept, n)
    server.shutdown()

    median = statistics.median
    print(f"file: {len(body) / 1024 / 1024:.2f} MB JPEG, {n} runs each, loopback HTTP")
    print(f"plain download      median {median(plain_ms):8.1f} ms  max {max(plain_ms):8.1f} ms")
    print(f"accept and store    median {median(accept_ms):8.1f} ms  max {max(accept_ms):8.1f} ms")
    for name, values in parts.items():
        print(f"  {name:<17} median {median(values):8.1f} ms")
    print(f"ratio accept/plain  {median(accept_ms) / median(plain_ms):.1f}x")


if __name__ == "__main__":
    main()
