"""The themes that ship with Noticeboard, edited here and installed as `generator.themes`.

pyproject.toml maps this folder into the package, so the wheel and the sdist carry the default
theme and `generator/site/theme.py` finds it through the installed package, never by a path
into a source tree. Nothing here is Python but this marker.
"""
