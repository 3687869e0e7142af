"""Deploy one site to every target side by side, each on its own, each verified afterwards.

The status page must outlive the outage it reports, so hosts are kept independent: a target
that is down, refuses our credentials or hits a bug is reported and the others carry on.
Re-running completes a failed target, because every plan starts from what the host holds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from generator.content.deploy_config import TargetConfig
from generator.deploy.hashes import Hashes
from generator.deploy.known import Known, Memory
from generator.deploy.plan import Plan, make_plan
from generator.deploy.targets import Target, TargetError, open_target
from generator.deploy.targets.base import Files, token_of


@dataclass(frozen=True)
class Outcome:
    name: str
    where: str
    plan: Plan | None = None
    note: str = ""
    verified: int = 0
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True)
class Publishing:
    """What every target of one deploy shares: the content's cache folder (None: keep nothing),
    the files' hashes in each host's scheme, who publishes, and what each host was last seen to hold."""

    cache: Path | None
    hashes: Hashes
    author: str
    memory: Memory = field(default_factory=lambda: Memory(None))

    @classmethod
    def kept_in(cls, cache: Path, author: str) -> Publishing:
        """Everything kept in the content's cache folder between runs."""
        return cls(cache, Hashes(cache / "deploy-hashes.pickle"), author, Memory(cache))


def deploy_all(configs: tuple[TargetConfig, ...], site: Files, dry_run: bool, publishing: Publishing,
               report: Callable[[Outcome], None]) -> list[Outcome]:
    """Every target at once; `report` hears about each as it finishes; results come back in config order."""
    done: dict[str, Outcome] = {}
    with ThreadPoolExecutor(max_workers=max(1, len(configs))) as pool:
        futures = [pool.submit(deploy_one, config, site, dry_run, publishing) for config in configs]
        for future in as_completed(futures):
            outcome = future.result()
            done[outcome.name] = outcome
            report(outcome)
    publishing.hashes.save()
    return [done[config.name] for config in configs]


def deploy_one(config: TargetConfig, site: Files, dry_run: bool, publishing: Publishing) -> Outcome:
    where = config.describe()
    target: Target | None = None
    plan: Plan | None = None
    try:
        target = open_target(config, publishing.cache, publishing.hashes, publishing.author)
        files = site.with_extra(target.extra())
        local = {path: target.hash(digest, partial(files.read, path)) for path, digest in files.digests.items()}
        plan = make_plan(local, _held(target, publishing.memory.get(config.name)))
        if dry_run:
            return Outcome(config.name, where, plan, "dry run: nothing sent")
        publishing.memory.remember(config.name, None)  # until verified, what the host holds is not known
        token = token_of(local)
        note = target.apply(plan, files, token)
        verified = verify(target, plan, local, files, token)
        after = target.published()
        publishing.memory.remember(config.name, Known(after, dict(local)) if after else None)
        return Outcome(config.name, where, plan, note, verified)
    except TargetError as exc:
        return Outcome(config.name, where, plan, error=str(exc))
    except OSError as exc:
        where_failed = f": {exc.filename}" if exc.filename else ""
        return Outcome(config.name, where, plan, error=f"{exc.strerror or exc}{where_failed}")
    except Exception as exc:  # noqa: BLE001 — one host's surprise must never stop the other hosts
        return Outcome(config.name, where, plan, error=f"unexpected {type(exc).__name__}: {exc}")
    finally:
        if target is not None:
            target.close()


def _held(target: Target, known: Known | None) -> dict[str, str | None]:
    """What the host holds: what this machine remembers it published, when the host still carries
    that publish's token (one small read), else the host's full listing."""
    if known is not None and target.published() == known.token:
        return dict(known.state)
    return target.state()


def verify(target: Target, plan: Plan, local: Mapping[str, str], files: Files, token: str) -> int:
    """Read the host back where it matters: its marker (or a branch's head) names what was just
    published, every file sent holds the right hash there, and the home page is byte for byte the
    built one. The rest the host held already, by its own listing or its marker's word."""
    target.check_sent(plan, local, token)
    if "index.html" in local and target.read("index.html") != files.read("index.html"):
        raise TargetError("index.html read back from the host differs from the built one; run the deploy again")
    return len(local)
