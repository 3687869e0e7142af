"""Deploy targets as the operator lists them under `deploy:` in content/site.yaml.

The JSON Schema checks each entry's shape; this module checks what a schema cannot say
clearly (a folder that would swallow the content, a password inside a URL, a bucket name S3
will refuse), so `noticeboard check` catches it long before a deploy during an outage does.
Credentials never come from here: S3 keys come from the environment or the standard AWS
config, git authentication from SSH keys or a credential helper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator.content.load import read_text
from generator.content.yamlfile import Document, KeyPath, parse_yaml
from generator.errors import Problem

DEFAULT_BRANCH = "gh-pages"
# Each matched whole (fullmatch, \Z): `$` also matches before a final newline, which let
# "gh-pages\n" through to git and "status.example.test\n" into the CNAME file.
_BRANCH = re.compile(r"(?!.*\.\.)(?!.*//)(?!.*\.lock\Z)(?!.*/\Z)[0-9A-Za-z_][0-9A-Za-z._/-]*")
_HOST = re.compile(r"(?=.{1,253}\Z)(?:[0-9A-Za-z](?:[0-9A-Za-z-]{0,61}[0-9A-Za-z])?\.)+[A-Za-z]{2,63}")
_BUCKET = re.compile(r"[0-9a-z][0-9a-z.-]{1,61}[0-9a-z]")
_SCP_LIKE = re.compile(r"^[^/:]+:(?!//)")


@dataclass(frozen=True)
class FolderConfig:
    name: str
    path: Path

    def describe(self) -> str:
        return f"folder {self.path}"


@dataclass(frozen=True)
class GitConfig:
    name: str
    url: str
    branch: str = DEFAULT_BRANCH
    cname: str | None = None

    def describe(self) -> str:
        return f"git branch {self.branch} of {self.url}"


@dataclass(frozen=True)
class S3Config:
    name: str
    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None

    def describe(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3 bucket {self.bucket}/{self.prefix}{where}"


TargetConfig = FolderConfig | GitConfig | S3Config


def load_targets(content_dir: Path) -> tuple[TargetConfig, ...]:
    """The deploy targets of a content folder that has already passed `check`."""
    path = content_dir / "site.yaml"
    data = parse_yaml(read_text(path, path.name), path, path.name).data
    return targets_from(data, content_dir.resolve().parent)


def targets_from(site: dict[str, Any], project: Path) -> tuple[TargetConfig, ...]:
    found: list[TargetConfig] = []
    for entry in site.get("deploy") or ():
        kind, name = entry["type"], entry["name"]
        if kind == "folder":
            found.append(FolderConfig(name, project / entry["path"]))
        elif kind == "git":
            found.append(GitConfig(name, local_url(entry["url"], project), entry.get("branch", DEFAULT_BRANCH),
                                   entry.get("cname")))
        else:
            found.append(S3Config(name, entry["bucket"], normal_prefix(entry.get("prefix", "")),
                                  entry.get("endpoint_url"), entry.get("region"), entry.get("profile")))
    return tuple(found)


def local_url(url: str, project: Path) -> str:
    """A relative local path is taken from the project folder, like every other path in the content."""
    if "://" in url or _SCP_LIKE.match(url):
        return url
    return str(project / url)


def normal_prefix(prefix: str) -> str:
    """'status' and 'status/' mean the same folder of the bucket."""
    return prefix.strip("/") + "/" if prefix.strip("/") else ""


def deploy_problems(doc: Document) -> list[Problem]:
    """Meaning problems of site.yaml's `deploy:` list; called from the cross-file checks."""
    entries = doc.data.get("deploy") or ()
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        where: KeyPath = ("deploy", i)
        if entry["name"] in seen:
            problems.append(_problem(doc, where + ("name",), f"duplicate deploy target name '{entry['name']}'",
                                     f"already used on line {seen[entry['name']]}; every target needs its own name"))
        seen.setdefault(entry["name"], doc.loc(where + ("name",)).line)
        check = {"folder": _folder_problems, "git": _git_problems, "s3": _s3_problems}[entry["type"]]
        problems += check(doc, where, entry)
    return problems


def _problem(doc: Document, path: KeyPath, message: str, hint: str) -> Problem:
    return Problem(doc.loc(path), message, hint, ".".join(map(str, path)))


def _folder_problems(doc: Document, where: KeyPath, entry: dict[str, Any]) -> list[Problem]:
    content = doc.path.parent.resolve()
    target = (content.parent / entry["path"]).resolve()
    if target == content or target in content.parents:
        return [_problem(doc, where + ("path",), f"deploy folder '{entry['path']}' holds the content itself",
                         "each deploy replaces the whole folder; point it at the folder your web server serves, "
                         "e.g. /srv/status")]
    return []


def _git_problems(doc: Document, where: KeyPath, entry: dict[str, Any]) -> list[Problem]:
    problems = []
    url = entry["url"]
    if "://" in url:
        parts = urlsplit(url)
        if parts.scheme == "git":
            problems.append(_problem(doc, where + ("url",), "git:// urls can't be deployed to",
                                     "git:// has no sign-in, so hosts take pushes only over SSH or https (and a git:// "
                                     "server that stops answering would hang the deploy): use an SSH address "
                                     "(git@github.com:org/status.git) or https://"))
        elif parts.scheme not in ("https", "http", "ssh", "file"):
            problems.append(_problem(doc, where + ("url",), f"git url scheme '{parts.scheme}' is not supported",
                                     "use an SSH address (git@github.com:org/status.git), https:// or a local path"))
        elif parts.password is not None or (parts.scheme.startswith("http") and parts.username is not None):
            problems.append(_problem(doc, where + ("url",), "the git url carries credentials",
                                     "content files are shared and often public: remove the user/token from the "
                                     "url and use an SSH key or a git credential helper"))
    if not url.strip():
        problems.append(_problem(doc, where + ("url",), "the git url is empty", "write the remote repository address"))
    if "branch" in entry and not _BRANCH.fullmatch(entry["branch"]):
        problems.append(_problem(doc, where + ("branch",), f"'{entry['branch']}' is not a usable branch name",
                                 f"use a plain branch name such as {DEFAULT_BRANCH} or pages"))
    if "cname" in entry and not _HOST.fullmatch(entry["cname"]):
        problems.append(_problem(doc, where + ("cname",), f"'{entry['cname']}' is not a host name",
                                 "write just the custom domain, like status.example.com (no https://, no path)"))
    return problems


def _s3_problems(doc: Document, where: KeyPath, entry: dict[str, Any]) -> list[Problem]:
    problems = []
    if not _BUCKET.fullmatch(entry["bucket"]) or ".." in entry["bucket"]:
        problems.append(_problem(doc, where + ("bucket",), f"'{entry['bucket']}' is not a valid bucket name",
                                 "bucket names are 3-63 lowercase letters, digits, dots and hyphens"))
    if "endpoint_url" in entry:
        parts = urlsplit(entry["endpoint_url"])
        if "@" in parts.netloc:
            problems.append(_problem(doc, where + ("endpoint_url",), "the endpoint URL carries credentials",
                                     "remove them from the URL and set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                                     "in the environment (or use an AWS profile)"))
        elif parts.scheme not in ("https", "http") or not parts.hostname:
            problems.append(_problem(doc, where + ("endpoint_url",),
                                     f"'{entry['endpoint_url']}' is not an endpoint URL",
                                     "write the service address, like https://<account-id>.r2.cloudflarestorage.com"))
    prefix = entry.get("prefix", "")
    if prefix.startswith("/") or "\\" in prefix or any(part in (".", "..") for part in prefix.split("/")):
        problems.append(_problem(doc, where + ("prefix",), f"'{prefix}' is not a usable key prefix",
                                 "write a folder inside the bucket like status/ (no leading /, no . or ..)"))
    return problems
