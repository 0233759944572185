"""``python -m bench.engine``: our runtime against moto's interpreter, then the simulator at scale."""

import sys

from bench.engine import simulation, versus_moto

versus_moto.main([])
simulation.main(sys.argv[1:])
