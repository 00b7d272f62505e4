"""A test tool that misbehaves as its first argument says: hang, flood, fail, argv."""

import json
import sys
import time

mode = sys.argv[1]
stdin = sys.stdin.read()
if mode == "hang":
    time.sleep(600)
elif mode == "flood":
    sys.stdout.write("x" * 200_000)
elif mode == "fail":
    sys.stderr.write("something broke\n")
    sys.exit(3)
elif mode == "argv":
    print(json.dumps({"argv": sys.argv[1:], "stdin": stdin}))
