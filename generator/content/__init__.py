"""Stage 1, content: the operator's YAML read with positions (safely, within limits), checked
against the schemas and against each other, and turned into a frozen model, with a cache of
checked notices between runs. Nothing here knows about time, pages or output."""
