"""The CI entry point (.ci/run) as a runner would start it: whatever the runner's environment, the
tests run with CI=true, where a missing browser or tool fails rather than skips."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = """# x

<!-- test-command -->
```sh
echo "tests ran with CI=${CI:-unset}"
```
"""


def test_the_ci_script_runs_the_tests_with_ci_set_whatever_the_runner_sets(tmp_path: Path) -> None:
    """It relied on the runner to set CI=true: run anywhere else, the browser tests skipped quietly."""
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "run", tmp_path / ".ci" / "run")
    (tmp_path / "README.md").write_text(README, encoding="utf-8")
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for tool in ("apt-get", "chromium", "java", "npm"):  # what it installs and asks for its version
        (stubs / tool).write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        (stubs / tool).chmod(0o755)
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env["PATH"] = f"{stubs}:{env.get('PATH', '/usr/bin:/bin')}"
    result = subprocess.run(["bash", str(tmp_path / ".ci" / "run")], capture_output=True, text=True, env=env,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.rstrip().endswith("tests ran with CI=true"), result.stdout[-500:]
