"""What the command line says, read as an operator in Seoul reads it: the flag they typed, times in
the site's zone, and an ending that is true of the command that ran."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from deploy_support import add_targets, deploy

from generator.cli import main

INC = "incidents/2025-09-26-id-outage.yaml"


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_a_time_flag_without_a_zone_is_named_and_given_in_the_accepted_form(tree) -> None:
    code, _, err = run("new", "maintenance", "Transfer upgrade", "--service", "transfer", "--content", str(tree.root),
                       "--starts", "2026-12-06T01:00", "--now", "2026-12-05T02:49+09:00")
    assert code == 1
    assert err == ("error: --starts '2026-12-06T01:00' is not a time with a time zone; "
                   "hint: write it as 2026-12-06T01:00+09:00 (the site's time zone, Asia/Seoul)\n")
    assert not (tree.root / "maintenance").exists()


def test_a_time_with_a_zone_name_gets_the_offset_and_todays_date(tree) -> None:
    code, _, err = run("new", "maintenance", "Transfer upgrade", "--service", "transfer", "--content", str(tree.root),
                       "--starts", "2026-12-06T01:00+09:00", "--ends", "03:00 KST", "--now", "2026-12-05T02:49+09:00")
    assert code == 1
    assert err == ("error: --ends '03:00 KST' is not in the accepted form; "
                   "hint: write it as 2026-12-06T03:00+09:00 (KST is +09:00; with today's date)\n")


def test_now_is_still_named_now(tree) -> None:
    code, _, err = run("check", "--content", str(tree.root), "--now", "2025-09-27 10:00 +0900x")
    assert code == 1 and err.startswith("error: --now '2025-09-27 10:00 +0900x' is not a time with a time zone")


def test_check_never_says_it_wrote_nothing(tree) -> None:
    """`check` never writes, so "nothing was written" at its end reads as if something had failed to be."""
    tree.replace(INC, "status: resolved", "status: resovled")
    code, _, err = run("check", "--content", str(tree.root))
    assert code == 1
    assert err.splitlines()[-1] == "1 problem in the content"


def test_build_and_deploy_say_what_they_left_alone(tree, tmp_path: Path) -> None:
    tree.replace(INC, "status: resolved", "status: resovled")
    code, _, err = run("build", "--content", str(tree.root), "-o", str(tmp_path / "public"))
    assert code == 1 and err.splitlines()[-1] == "1 problem in the content; nothing was written"
    add_targets(tree, "  - {name: web1, type: folder, path: srv/www}\n")
    refused = deploy(tree.root)
    assert refused.code == 1 and refused.err.splitlines()[-1] == "1 problem in the content; nothing was published"


def test_deploy_states_its_moment_in_the_sites_zone(tree) -> None:
    add_targets(tree, "  - {name: web1, type: folder, path: srv/www}\n")
    for state in ("built", "up to date"):
        planned = deploy(tree.root, "--dry-run", now="2025-09-27T01:00+00:00")
        assert planned.code == 0, planned.err
        assert f"({state} as of 2025-09-27T10:00+09:00) to 1 target" in planned.out


def test_a_warning_states_its_moment_in_the_sites_zone(demo) -> None:
    """`--now` (or the clock) in UTC must not leak into what the operator reads."""
    code, out, err = run("check", "--content", str(demo), "--now", "2025-07-22T01:30+00:00")
    assert code == 0, err
    implied = [line for line in err.splitlines() if "as of" in line]
    assert implied and all(line.endswith("(as of 2025-07-22T10:30+09:00)") for line in implied), err
