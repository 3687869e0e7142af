"""Noticeboard: YAML notices in, a static status site out.

The pipeline is load → validate → model → derive → render → write, one module per stage,
so that a failure can always be attributed to the stage (and the file) that caused it.
"""

__version__ = "0.1.0"
