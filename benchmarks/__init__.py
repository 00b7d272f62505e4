"""On-demand benchmarks: `python -m benchmarks [name ...]` prints a table of numbers and targets.

Every benchmark runs against the loopback fake with the real openai SDK (or the real store);
none of them is a unit test, and none runs in CI.
"""
