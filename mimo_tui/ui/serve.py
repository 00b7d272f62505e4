"""The web server of `mimo-tui serve`: textual-serve's app service behind our own page.

textual-serve (the optional extra) runs one app process per browser websocket and relays
its terminal to xterm.js. We keep its AppService, websocket relay, downloads and static
files, and replace what is not fit for a client holding an API key:
- the page is ours: it loads no fonts or scripts from the internet (textual-serve's links
  a web font), and its websocket URL is built from the address the browser used, not from
  the bind address (`0.0.0.0` is no address to connect to);
- every request but the static files passes `_passes`: the page needs `?token=` and the
  websocket carries the token in its path, on loopback too (every local account can reach
  it); on loopback, only requests addressed to a loopback name pass as well (no DNS
  rebinding), and a websocket from a page of another site is refused everywhere (cli_serve
  holds these rules);
- it listens on the port given, 0 for any free one, and prints the URL once it listens:
  that line is the only place the token is written (there is no access log).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import signal
import sys

from aiohttp import web
from textual_serve.server import Server

from mimo_tui.cli_serve import (
    host_allowed,
    is_loopback,
    new_token,
    origin_allowed,
    page_url,
    token_matches,
)

_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="{static}css/xterm.css">
<script src="{static}js/textual.js"></script>
<style>
@font-face {{
  font-family: "Roboto Mono";
  src: url("{static}fonts/RobotoMono-VariableFont_wght.ttf");
}}
html, body {{ margin: 0; height: 100%; background: #0c181f; color: #e0e0e0; }}
#terminal {{ position: absolute; inset: 0; }}
#ended {{ display: none; position: absolute; top: 40%; width: 100%; text-align: center;
  font: 16px "Roboto Mono", monospace; z-index: 10; }}
body.-closed #ended {{ display: block; }}
body.-closed #terminal {{ opacity: 0.3; }}
</style>
</head>
<body>
<div id="ended">The session ended. <a href="" style="color:#ff6900">Start another</a></div>
<div id="terminal" class="textual-terminal" data-session-websocket-url="{websocket}"
 data-font-size="{font_size}"></div>
</body>
</html>
"""

REFUSED = (
    "403: this mimo-tui server needs its token: open the URL that `mimo-tui serve` printed"
    " (it ends in ?token=…).\n"
)


class MimoServer(Server):
    """textual-serve's Server with our page, the token and the address checks."""

    def __init__(self, command: str, host: str, port: int, token: str | None = None) -> None:
        super().__init__(command, host=host, port=port, title="mimo-tui")
        self.token = token if token is not None else new_token()
        self.check_host = is_loopback(host)
        self.url = ""

    def _host_passes(self, request: web.Request) -> bool:
        """On loopback, the Host must be a loopback name (elsewhere it is any address)."""
        return not self.check_host or host_allowed(request.headers.get("Host"), self.port)

    def _passes(self, request: web.Request, given: str | None) -> bool:
        """The token is checked on every address: another account of this machine can
        reach loopback as well as the user can, and the page leads to the user's key."""
        return self._host_passes(request) and token_matches(given, self.token)

    async def _make_app(self) -> web.Application:
        app = web.Application()
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws/{token}", self.handle_guarded_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_guarded_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        return app

    async def handle_index(self, request: web.Request) -> web.Response:
        if not self._passes(request, request.query.get("token")):
            return web.Response(status=403, text=REFUSED)
        scheme = "wss" if request.secure else "ws"
        font_size = request.query.get("fontsize", "16")
        page = _PAGE.format(
            title="mimo-tui",
            static="/static/",
            websocket=html.escape(f"{scheme}://{request.host}/ws/{self.token}", quote=True),
            font_size=int(font_size) if font_size.isdigit() else 16,
        )
        response = web.Response(text=page, content_type="text/html")
        # The URL carries the token: it is not sent on to any other site, nor is the page kept.
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    async def handle_guarded_websocket(self, request: web.Request) -> web.StreamResponse:
        # A client that sends no Origin (not a browser) still needs the token in the path.
        if not self._passes(request, request.match_info.get("token")) or not (
            origin_allowed(request.headers.get("Origin"), request.headers.get("Host"))
        ):
            return web.Response(status=403, text=REFUSED)
        return await self.handle_websocket(request)

    async def handle_guarded_download(self, request: web.Request) -> web.StreamResponse:
        # A download's key is a random id the app sent down its (guarded) websocket: the page
        # that asks for it knows it, so the token is not asked for again; the address is.
        if not self._host_passes(request):
            return web.Response(status=403, text=REFUSED)
        return await self.handle_download(request)

    async def run(self, ready: asyncio.Event | None = None) -> None:
        """Listen until SIGINT or SIGTERM; print the URL once listening."""
        # On stop, each browser's app is told to quit (textual-serve's handler does that when
        # cancelled); a few seconds is plenty for it, aiohttp's default waits a minute.
        # No access log: its lines carry the token (`GET /?token=…`, `/ws/…`) wherever logging
        # is configured, and the printed URL is to be the one place it is written.
        runner = web.AppRunner(
            await self._make_app(), handle_signals=False, shutdown_timeout=5, access_log=None
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        server = getattr(site, "_server", None)
        if self.port == 0 and server is not None and server.sockets:
            self.port = server.sockets[0].getsockname()[1]
        self.url = page_url(self.host, self.port, self.token)
        print(f"mimo-tui: serving the chat UI at {self.url}", flush=True)
        if self.host in ("0.0.0.0", "::"):
            print(
                "mimo-tui: listening on every interface; from elsewhere use this machine's "
                "address with the same token",
                flush=True,
            )
        print("mimo-tui: Ctrl+C stops the server", file=sys.stderr, flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        if ready is not None:
            ready.set()
        try:
            await stop.wait()
        finally:
            await runner.cleanup()


def serve(command: str, host: str, port: int) -> int:
    """Run the server in the foreground (`mimo-tui serve`); 0 when stopped, 2 if the
    address cannot be listened on."""
    server = MimoServer(command, host, port)
    try:
        asyncio.run(server.run())
    except OSError as exc:
        print(f"mimo-tui: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0
