"""Stage 5a, preview: `noticeboard serve`, the site kept in memory and rebuilt on every save,
with live reload and the problems overlaid on the page."""
