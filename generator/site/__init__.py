"""Stage 3a, site: the HTML pages, rendered from the state through a Jinja2 theme (autoescaped)."""
