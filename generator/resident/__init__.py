"""Stage 4b, resident: the site kept in memory and brought up to date after each save, and at each
moment it changes by itself, re-reading only the files that changed and re-rendering only the
pages that read what changed. The preview (`serve`) serves it; the resident publisher
(`deploy --watch`) publishes it."""
