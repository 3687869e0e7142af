"""Stage 2, state: what the model means at a moment (`now`): each incident's published updates,
each service's status (upstreams included), each affiliate's section, the lists pages show, the
plan of pages, and the record of what each page and output read of all that."""
