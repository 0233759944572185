"""``python -m bench.engine``: our runtime against moto's interpreter, the runtime at 100,000 runs,
then the whole simulator."""

import sys

from bench.engine import scale, simulation, versus_moto

versus_moto.main([])
scale.main([])
simulation.main(sys.argv[1:])
