"""`python -m mimo_tui.fake [--port N] [--key K]`: run the loopback fake MiMo in the foreground."""

import argparse

from mimo_tui.fake.server import serve

parser = argparse.ArgumentParser(prog="python -m mimo_tui.fake")
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--key", default="demo")
parser.add_argument("--delay", type=float, default=0.012, help="seconds between chunks")
args = parser.parse_args()
serve(args.port, args.key, args.delay)
