"""Noticeboard: YAML notices in, a static status site out.

One subpackage per stage, each importing only the stages below it (docs/architecture.md):
content → state → site and machine → output → preview and deploy, tied together by build.py
and cli.py. A failure can always be attributed to the stage (and the file) that caused it.
"""

__version__ = "0.1.0"
