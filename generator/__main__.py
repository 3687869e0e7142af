"""Allow `python -m generator`, for machines where the console script is not on PATH."""

from generator.cli import main

raise SystemExit(main())
