"""``python -m bench``: every benchmark, one after the other."""

from bench import compile as compile_bench

compile_bench.main([])

from bench.engine import simulation, versus_moto  # noqa: E402 - after the first benchmark's output

versus_moto.main([])
simulation.main(["--contacts", "5000"])

from bench import ingest  # noqa: E402

ingest.main([])

from bench import layer_bytecode  # noqa: E402

layer_bytecode.main([])

from bench import templates  # noqa: E402

templates.main([])

from bench import send  # noqa: E402

send.main([])

from bench import costs  # noqa: E402

costs.main([])

from bench import scale  # noqa: E402

scale.main([])

from bench import event_flood  # noqa: E402

event_flood.main([])

from bench import broadcast_scale  # noqa: E402

broadcast_scale.main([])

from bench import local_stack  # noqa: E402

local_stack.main([])
