"""A synthetic content tree of any size, for benchmarks that need a big, realistic site.

The demo has four incidents; speed questions (a preview on 1,000 incidents, a build on 50,000)
need a group with years of history. The tree is deterministic for a given seed, valid under the
content format, and shaped like the real thing: three affiliates, ~300 services, a few
government upstreams, incidents with 3–6 Korean and English Markdown updates, 1–4 affected
services with alternatives, and the newest incidents still open at `NOW`.

    python -m bench.synthetic /tmp/big/content --incidents 50000
    from bench.synthetic import generate; generate(Path("content"), incidents=1000)
"""

from __future__ import annotations

import argparse
import random
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml

NOW = "2025-09-27T10:00+09:00"
AFFILIATES = (("bank", "예시은행", "Example Bank"), ("card", "예시카드", "Example Card"),
              ("securities", "예시증권", "Example Securities"))
UPSTREAMS = (("gov-id", "주민등록증 진위확인", "Resident ID verification"),
             ("gov-mydata", "공공 마이데이터", "Public MyData"),
             ("giro-network", "지로 수납망", "Giro payment network"),
             ("messenger-platform", "메신저 플랫폼", "Messenger platform"),
             ("card-network", "카드 승인망", "Card approval network"),
             ("krx-feed", "거래소 시세 연계", "Exchange price feed"))
AREAS = (("이체", "transfers"), ("조회", "balances"), ("대출", "loans"), ("예금", "deposits"), ("결제", "payments"),
         ("인증", "sign-in"), ("알림", "notifications"), ("환전", "currency exchange"), ("주문", "orders"),
         ("상담", "support"))
CHANNELS = ("app", "web", "branch", "call_center", "atm", "messenger")
STATUSES = ("degraded_performance", "partial_outage", "major_outage")
PROGRESS = ("investigating", "identified", "monitoring")
SYMPTOMS = (("접속이 지연되고", "is slow to load"), ("오류가 발생하고", "shows errors"),
            ("이용할 수 없고", "is unavailable"), ("처리가 늦어지고", "is processing slowly"))


@dataclass(frozen=True)
class Service:
    id: str
    ko: str
    en: str


def generate(root: Path, incidents: int = 1000, services: int = 300, seed: int = 0, maintenance: int = 5,
             open_incidents: int = 3) -> Path:
    """Write a fresh content tree to `root` (replacing what is there) and return it.

    The newest `open_incidents` are still unresolved at NOW, so the home page has something down.
    """
    rng = random.Random(seed)
    if root.exists():
        shutil.rmtree(root)
    (root / "incidents").mkdir(parents=True)
    (root / "maintenance").mkdir()
    catalog = _services(services)
    _dump(root / "site.yaml", _site())
    _dump(root / "services.yaml", _catalog(catalog, rng))
    end = datetime.fromisoformat(NOW) - timedelta(hours=2)
    for number in range(incidents):
        started = end - timedelta(hours=7 * (incidents - 1 - number)) - timedelta(minutes=rng.randrange(60))
        resolved = number < incidents - open_incidents
        incident_id = f"{started:%Y-%m-%d}-syn-{number:05d}"
        _dump(root / "incidents" / f"{incident_id}.yaml", incident(rng, catalog, started, resolved, number))
    for number in range(maintenance):
        starts = end + timedelta(days=2 + 3 * number)
        _dump(root / "maintenance" / f"{starts:%Y-%m-%d}-syn-maint-{number:02d}.yaml",
              _maintenance(rng, catalog, starts))
    return root


def incident(rng: random.Random, catalog: list[Service], started: datetime, resolved: bool, number: int) -> dict:
    """One incident as YAML-ready data; also used by benchmarks to write a fresh edit of a file."""
    hit = rng.sample(catalog, rng.randint(1, 4))
    symptom_ko, symptom_en = rng.choice(SYMPTOMS)
    title = {"ko": f"{hit[0].ko} 서비스 장애 (#{number})", "en": f"{hit[0].en} disruption (#{number})"}
    affected = [{"service": s.id, "status": rng.choice(STATUSES), "alternatives": _alternatives(rng, s)} for s in hit]
    count = rng.randint(3, 6)
    updates = []
    for step in range(count):
        last = step == count - 1
        status = "resolved" if last and resolved else PROGRESS[min(step, len(PROGRESS) - 1)]
        at = started + timedelta(minutes=15 + 20 * step)
        updates.append({"at": _time(at), "status": status, "body": _body(rng, hit, symptom_ko, symptom_en, status)})
    data: dict = {"title": title, "impact": rng.choice(("minor", "major", "critical")), "started": _time(started),
                  "affected": affected, "updates": updates}
    if rng.random() < 0.3:
        upstream = rng.choice(UPSTREAMS)
        data["cause"] = {"upstream": upstream[0]}
    return data


def _body(rng: random.Random, hit: list[Service], symptom_ko: str, symptom_en: str, status: str) -> dict[str, str]:
    names_ko = ", ".join(s.ko for s in hit)
    names_en = ", ".join(s.en for s in hit)
    if status == "resolved":
        return {"ko": f"**{names_ko}** 서비스가 정상화되었습니다.\n\n이용에 불편을 드려 죄송합니다.\n",
                "en": f"**{names_en}** {'is' if len(hit) == 1 else 'are'} back to normal.\n\nWe are sorry for the trouble.\n"}
    minutes = rng.randint(10, 90)
    return {
        "ko": f"현재 **{names_ko}** 서비스가 {symptom_ko} 있습니다.\n\n"
              f"- 원인을 확인하고 있습니다\n- 약 {minutes}분 뒤 다시 안내드리겠습니다\n\n"
              f"급한 업무는 [가까운 영업점](https://bank.example.com/branches)을 이용해 주세요.\n",
        "en": f"**{names_en}** {symptom_en}.\n\n- We are looking into the cause\n"
              f"- We will post again in about {minutes} minutes\n\n"
              f"For urgent needs, please visit [a branch](https://bank.example.com/branches).\n",
    }


def _alternatives(rng: random.Random, service: Service) -> list:
    found: list = [{"ko": f"{service.ko} 대신 영업점 창구 이용", "en": f"Use a branch counter instead of {service.en}"}]
    if rng.random() < 0.5:
        found.append({"text": {"ko": "고객센터 상담원 연결", "en": "Call the customer center"},
                      "channels": ["call_center"], "audience": {"ko": "개인 고객", "en": "Personal customers"}})
    return found


def _services(count: int) -> list[Service]:
    found = []
    for number in range(count):
        affiliate = AFFILIATES[number % len(AFFILIATES)]
        area = AREAS[(number // len(AFFILIATES)) % len(AREAS)]
        found.append(Service(f"{affiliate[0]}-svc-{number:03d}", f"{affiliate[1]} {area[0]} {number}",
                             f"{affiliate[2]} {area[1]} {number}"))
    return found


def _catalog(catalog: list[Service], rng: random.Random) -> dict:
    groups = []
    for affiliate_id, ko, en in AFFILIATES:
        mine = [s for s in catalog if s.id.startswith(f"{affiliate_id}-")]
        for start in range(0, len(mine), 10):
            chunk = mine[start:start + 10]
            groups.append({"id": f"{affiliate_id}-group-{start // 10:02d}", "affiliate": affiliate_id,
                           "name": {"ko": f"{ko} 서비스 묶음 {start // 10 + 1}", "en": f"{en} services {start // 10 + 1}"},
                           "services": [_service_entry(s, rng) for s in chunk]})
    upstreams = [{"id": i, "name": {"ko": ko, "en": en}} for i, ko, en in UPSTREAMS]
    return {"upstreams": upstreams, "groups": groups}


def _service_entry(service: Service, rng: random.Random) -> dict:
    entry: dict = {"id": service.id, "name": {"ko": service.ko, "en": service.en},
                   "channels": sorted(rng.sample(CHANNELS, rng.randint(1, 3)))}
    if rng.random() < 0.1:
        entry["depends_on"] = [rng.choice(UPSTREAMS)[0]]
    return entry


def _site() -> dict:
    return {
        "title": {"ko": "합성 금융그룹 서비스 상태", "en": "Synthetic Financial Group status"},
        "languages": ["ko", "en"], "timezone": "Asia/Seoul", "base_url": "https://status.example.test/",
        "contacts": [{"label": {"ko": "고객센터", "en": "Customer center"}, "phone": "1588-0000"}],
        "affiliates": [{"id": i, "name": {"ko": ko, "en": en}} for i, ko, en in AFFILIATES],
    }


def _maintenance(rng: random.Random, catalog: list[Service], starts: datetime) -> dict:
    return {"title": {"ko": "정기 시스템 점검", "en": "Scheduled maintenance"}, "starts": _time(starts),
            "ends": _time(starts + timedelta(hours=4)), "services": [s.id for s in rng.sample(catalog, 2)],
            "body": {"ko": "점검 중에는 **이용할 수 없습니다**.\n", "en": "Unavailable **during the work**.\n"}}


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="minutes")


class _Dumper(yaml.SafeDumper):
    """Multi-line texts as `|` blocks, the way the content format asks operators to write Markdown."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def _dump(path: Path, data: dict) -> None:
    path.write_text(yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.synthetic", description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="content folder to (re)create")
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--services", type=int, default=300)
    parser.add_argument("--maintenance", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    generate(args.root, args.incidents, args.services, args.seed, args.maintenance)
    print(f"wrote {args.incidents} incidents over {args.services} services into {args.root}/ (build with --now {NOW})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
