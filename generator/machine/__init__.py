"""Stage 3b, machine: the files programs read (JSON API, Atom/RSS, iCalendar, badges, sitemap,
host conventions), made from the same state as the pages and written in the bundled theme's words."""
