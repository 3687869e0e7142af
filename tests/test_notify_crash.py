"""A notify run killed with SIGKILL at any moment loses nothing and sends at most the one message
in flight twice: the outbox writes each message down before sending it and marks it after."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from conftest import ContentTree
from notify_servers import Receiver, free_port, noticeboard

UPDATES = 30
KILLS = 8
NOW = "2025-09-28T12:00+09:00"


def _incident() -> str:
    updates = "".join(f"  - at: 2025-09-27T{8 + n // 6:02}:{n % 6 * 10:02}+09:00\n    status: identified\n"
                      f"    body: {{ko: 경과 안내 {n}번, en: Update number {n}}}\n" for n in range(1, UPDATES + 1))
    return ("title: {ko: 이체 지연, en: Transfers delayed}\nimpact: minor\nstarted: 2025-09-27T08:00+09:00\n"
            "affected:\n  - service: transfer\n    status: degraded_performance\nupdates:\n" + updates)


def test_killed_again_and_again_every_message_arrives_with_one_duplicate_per_kill_at_most(tmp_path: Path) -> None:
    hook = Receiver(delay=0.02)
    tree = ContentTree(tmp_path / "content")
    tree.replace("site.yaml", "https://status.example.test/", f"http://127.0.0.1:{free_port()}/")  # nobody there
    path = tree.root / "site.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "deploy:\n  - {name: web, type: folder, path: www}\n"
                    f"notify:\n  channels:\n    - {{name: hook, url: '{hook.url()}', languages: [ko]}}\n",
                    encoding="utf-8")
    (tree.root / "incidents" / "2025-09-26-id-outage.yaml").unlink()
    tree.write("incidents/2025-09-27-transfer-delay.yaml", _incident())
    assert noticeboard("deploy", "--content", tree.root, "--now", "2025-09-27T07:00+09:00").returncode == 0
    down = noticeboard("deploy", "--content", tree.root, "--now", NOW)  # the hook is down: all 30 kept
    assert down.returncode == 3, down.stdout + down.stderr

    hook.start()
    try:
        kills = _kill_while_sending(tree.root, hook, random.Random(19))
        final = noticeboard("notify", "--content", tree.root, "--now", NOW, "--retry-now")
        assert final.returncode == 0, final.stdout + final.stderr
    finally:
        hook.stop()
    delivered = Counter(int(m["message"].split("경과 안내 ")[1].split("번")[0]) for m in hook.json())
    assert set(delivered) == set(range(1, UPDATES + 1))
    assert kills == KILLS
    assert sum(delivered.values()) - UPDATES <= kills, delivered


def _kill_while_sending(content: Path, hook: Receiver, chance: random.Random) -> int:
    """Start `notify`, let it deliver a few messages, kill it mid-send; KILLS times."""
    kills = 0
    while kills < KILLS:
        before = len(hook.posts)
        wanted = before + chance.randint(1, 3)
        child = subprocess.Popen([sys.executable, "-m", "generator", "notify", "--content", str(content), "--now",
                                  NOW, "--retry-now"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 env=os.environ.copy())
        deadline = time.monotonic() + 60
        while len(hook.posts) < wanted and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(chance.uniform(0, 0.02))  # land anywhere: mid-request, between send and mark, writing
        if child.poll() is not None:
            break
        child.send_signal(signal.SIGKILL)
        child.wait()
        kills += 1
    return kills
