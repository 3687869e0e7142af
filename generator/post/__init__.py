"""Posting to a notice from the command line (`update`, `resolve`): the edit, checked, then written."""
