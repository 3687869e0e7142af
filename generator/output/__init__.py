"""Stage 4, output: putting a built site on disk all at once or not at all (staging, the one
atomic swap), and the record of what the last build wrote there."""
