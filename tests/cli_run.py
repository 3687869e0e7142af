"""Run the real `noticeboard` command in a child process, as an operator would, with a memory cap.

Hostile-input tests go through a subprocess because what they guard against is exactly what an
in-process test cannot see: a segfault, a MemoryError traceback, a hang, output on stderr.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from pathlib import Path

# The demo builds in well under 256 MB of address space; hostile input must fit the same budget.
MEMORY_LIMIT = 512 * 1024 * 1024
# Not a speed target: only a guard so a hang fails the test instead of stalling the suite.
HANG_GUARD_SECONDS = 300
LOCATED_ERROR = re.compile(r"^\S.*?:\d+:\d+: error: ")


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_cli(*args: str | Path, cwd: Path | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m generator ARGS` with capped memory; never raises on a non-zero exit."""
    return subprocess.run([sys.executable, "-m", "generator", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, **(env or {})}, preexec_fn=_cap_memory,
                          timeout=HANG_GUARD_SECONDS, check=False)


def assert_no_crash(result: subprocess.CompletedProcess[str]) -> None:
    """Exit 0 (built) or 1 (refused with a message): never a traceback, signal or other code."""
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode in (0, 1), (result.returncode, result.stderr[-3000:])


def assert_located_error(result: subprocess.CompletedProcess[str], location: str, message: str) -> None:
    """Refused, with an error line at `location` (file:line: or file:line:column) naming the problem."""
    assert_no_crash(result)
    assert result.returncode == 1, result.stdout
    lines = [line for line in result.stderr.splitlines() if LOCATED_ERROR.match(line)]
    assert any(location in line and message in line for line in lines), result.stderr[-3000:]
