"""A real MCP server built with the SDK (`mcp.server.mcpserver.MCPServer`), for the tests.

    python tests/mcp_server.py                 # stdio
    python tests/mcp_server.py --http          # streamable HTTP on 127.0.0.1, prints its URL
    python tests/mcp_server.py --garbage       # stdio, but prints non-MCP text first
    python tests/mcp_server.py --hang          # reads stdin and never answers
    python tests/mcp_server.py --child-pid F   # starts a child in its group, writes its pid to F

Tools: echo, add, fail (isError), big (200 KiB of text), picture (an image and a resource),
slow (sleeps; for cancel and timeout), die (exits mid-call), env (one environment variable),
name.with.dots (a name the API does not accept as is).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

# The misbehaving modes start at once, without the SDK (its import takes seconds here).
if "--hang" in sys.argv:
    for _line in sys.stdin:
        pass
    time.sleep(600)
    sys.exit(0)
if "--garbage" in sys.argv:
    print("Hello, I am not an MCP server", flush=True)
    for _line in sys.stdin:
        print("still not MCP", flush=True)
    sys.exit(0)

from mcp.server.mcpserver import Image, MCPServer

server = MCPServer("testsrv")
state = {"calls": 0}


@server.tool()
def echo(text: str) -> str:
    """Echo the text back, marked."""
    state["calls"] += 1
    print(f"echo called with {text!r}", file=sys.stderr, flush=True)
    return f"ECHO<{text}>"


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def fail(reason: str = "broken") -> str:
    """Always fails."""
    raise ValueError(f"the tool failed on purpose: {reason}")


@server.tool()
def big() -> str:
    """200 KiB of text."""
    return "x" * (200 * 1024)


@server.tool()
def picture() -> list:
    """An image (1x1 PNG) and some text."""
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
    )
    return ["a picture:", Image(data=png, format="png")]


@server.tool()
async def slow(seconds: float = 60) -> str:
    """Sleep, then answer (a cancelled call says so in the log)."""
    import anyio

    print("slow started", file=sys.stderr, flush=True)
    try:
        await anyio.sleep(seconds)
    except anyio.get_cancelled_exc_class():
        print("slow was cancelled", file=sys.stderr, flush=True)
        raise
    return "slept"


@server.tool()
def die() -> str:
    """Exit in the middle of the call."""
    print("dying now", file=sys.stderr, flush=True)
    os._exit(3)


@server.tool()
def env(name: str) -> str:
    """One environment variable of the server, or (unset)."""
    return os.environ.get(name, "(unset)")


server.add_tool(lambda: "dotted", name="name.with.dots", description="A dotted name.")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", action="store_true")
    parser.add_argument("--garbage", action="store_true")
    parser.add_argument("--hang", action="store_true")
    parser.add_argument("--child-pid")
    args = parser.parse_args()
    print("test server starting", file=sys.stderr, flush=True)
    if args.child_pid:  # a child in the server's process group, which must die with it
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        with open(args.child_pid, "w") as fh:
            fh.write(str(child.pid))
    if args.http:
        import socket

        import anyio
        import uvicorn

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        app = server.streamable_http_app(host="127.0.0.1")
        config = uvicorn.Config(app, log_level="warning")
        print(f"http://127.0.0.1:{port}/mcp", flush=True)
        anyio.run(lambda: uvicorn.Server(config).serve(sockets=[sock]))
        return
    server.run()


if __name__ == "__main__":
    main()
