"""A test tool: reads JSON arguments on stdin, prints the weather as JSON."""

import json
import sys

args = json.load(sys.stdin)
print(json.dumps({"location": args["location"], "temp_c": 21, "sky": "clear"}))
