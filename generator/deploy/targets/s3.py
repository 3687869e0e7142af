"""An S3-compatible bucket (AWS S3, Cloudflare R2, MinIO, SeaweedFS …) through boto3.

Credentials come only from boto3's standard chain (environment, AWS config files, instance
roles), never from content files, and are never printed. Every object gets the Content-Type
and Cache-Control that hosting.py decides, and an MD5 the server checks on arrival; the
listing's ETags (the MD5 of a plain upload) tell which objects already hold the right bytes.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from generator.content.deploy_config import S3Config
from generator.deploy.hashes import Hashes
from generator.deploy.plan import Plan, Step, upload_rank
from generator.deploy.targets.base import MARKER, MARKER_TEXT, Files, TargetError, claim_listing, marker, token_in
from generator.machine.hosting import cache_control, content_type

_MD5 = re.compile(r"[0-9a-f]{32}")
_DELETE_BATCH = 1000
# Uploads of one kind go up side by side (a save after an update sends a few hundred files, and
# each PUT waits on a round trip); kinds follow each other in the plan's order.
_PARALLEL_PUTS = 8
_REFUSED = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken"}


def make_client(config: S3Config) -> Any:
    """A client for the bucket's service; path-style addressing for custom endpoints, which every
    S3-compatible server understands, and no newer checksum headers that some of them reject."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise TargetError("S3 targets need boto3; install it with: pip install 'noticeboard[s3]'") from None
    options: dict[str, Any] = {
        "retries": {"max_attempts": 3, "mode": "standard"}, "connect_timeout": 5, "read_timeout": 30,
        "request_checksum_calculation": "when_required", "response_checksum_validation": "when_required",
    }
    if config.endpoint_url:
        options["s3"] = {"addressing_style": "path"}
    with _translated(config):
        session = boto3.session.Session(profile_name=config.profile)
        made = session.client("s3", endpoint_url=config.endpoint_url, region_name=config.region,
                              config=Config(**options))
    made.meta.events.register("before-send.s3.PutObject", _no_continue_for_empty_body)
    return made


def _no_continue_for_empty_body(request: Any, **_: Any) -> None:
    """botocore asks for `100 Continue` even with no body; servers that answer at once (SeaweedFS, MinIO)
    then leave the pooled connection out of step and the next upload stalls until its timeout
    (boto/botocore#3755). The header is not signed, so dropping it is safe; the site's `.nojekyll` is empty."""
    if str(request.headers.get("Content-Length")) == "0" and "Expect" in request.headers:
        del request.headers["Expect"]


class S3Target:
    def __init__(self, config: S3Config, hashes: Hashes) -> None:
        self.config = config
        self.client = make_client(config)
        self.marked = False
        self._hashes = hashes
        self._etags: dict[str, str] = {}

    def hash(self, sha256: str, read: Callable[[], bytes]) -> str:
        return self._hashes.of("md5", sha256, read)

    def extra(self) -> dict[str, bytes]:
        return {}

    def state(self) -> dict[str, str | None]:
        prefix = self.config.prefix
        found: dict[str, str | None] = {}
        with _translated(self.config):
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.config.bucket,
                                                                               Prefix=prefix):
                for item in page.get("Contents", ()):
                    key = item["Key"][len(prefix):]
                    if key and not key.endswith("/"):
                        etag = item.get("ETag", "").strip('"')
                        found[key] = etag if _MD5.fullmatch(etag) else None
        self.marked = claim_listing(found, f"bucket {self.config.bucket}/{prefix}", "use an empty bucket or prefix")
        return found

    def published(self) -> str | None:
        try:
            with _translated(self.config):
                text = self.read(MARKER)
        except TargetError:
            return None
        self.marked = True
        return token_in(text)

    def apply(self, plan: Plan, files: Files, token: str) -> str:
        if not plan.steps:
            if self.published() != token:  # the same site, marked by an earlier version
                with _translated(self.config):
                    self._put(MARKER, marker(token))
            return "bucket already up to date"
        with _translated(self.config):
            if not self.marked:  # first, so a first deploy cut short is still recognised as ours
                self._put(MARKER, MARKER_TEXT.encode("utf-8"))
            for run in _batches(plan):
                with ThreadPoolExecutor(_PARALLEL_PUTS) as pool:
                    list(pool.map(lambda step: self._put(step.path, files.read(step.path)), run))
            stale = [self.config.prefix + step.path for step in plan.deletes]
            for start in range(0, len(stale), _DELETE_BATCH):
                batch = [{"Key": key} for key in stale[start:start + _DELETE_BATCH]]
                answer = self.client.delete_objects(Bucket=self.config.bucket,
                                                    Delete={"Objects": batch, "Quiet": True})
                if answer.get("Errors"):
                    first = answer["Errors"][0]
                    raise TargetError(f"could not delete {len(answer['Errors'])} stale objects "
                                      f"(first: {first.get('Key')}: {first.get('Code')})")
            self._put(MARKER, marker(token))  # last: the token names the bucket only once it is whole
        return f"{len(plan.uploads)} uploaded, {len(stale)} deleted"

    def check_sent(self, plan: Plan, local: Mapping[str, str], token: str) -> None:
        """The marker read back, and the ETag each upload was answered with (the MD5 the server
        computed) is the file's."""
        if self.published() != token:
            raise TargetError(f"the bucket's {MARKER} does not name what was just published; run the deploy again")
        wrong = [step.path for step in plan.uploads if self._etags.get(step.path) != local[step.path]]
        if wrong:
            count = f"{len(wrong)} file" + ("s" if len(wrong) > 1 else "")
            raise TargetError(f"the bucket stored {count} otherwise than sent ({', '.join(wrong[:5])}); "
                              "run the deploy again")

    def _put(self, path: str, data: bytes) -> None:
        answer = self.client.put_object(
            Bucket=self.config.bucket, Key=self.config.prefix + path, Body=data,
            ContentType=content_type(path), CacheControl=cache_control(path),
            ContentMD5=base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode("ascii"))
        self._etags[path] = str(answer.get("ETag", "")).strip('"')

    def read(self, path: str) -> bytes:
        with _translated(self.config):
            body: bytes = self.client.get_object(Bucket=self.config.bucket, Key=self.config.prefix + path)["Body"].read()
            return body

    def close(self) -> None:
        self.client.close()


@contextmanager
def _translated(config: S3Config) -> Iterator[None]:
    """botocore's exceptions as one readable line each; none of them carries a secret."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        NoCredentialsError,
        ProfileNotFound,
    )

    try:
        yield
    except NoCredentialsError:
        raise TargetError("no S3 credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) "
                          "in the environment of the deploy") from None
    except ProfileNotFound:
        raise TargetError(f"AWS profile '{config.profile}' is not in the AWS config files") from None
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _REFUSED:
            raise TargetError(f"the S3 credentials were refused for bucket {config.bucket} ({code}); check "
                              "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the key's permissions") from None
        if code == "NoSuchBucket":
            raise TargetError(f"bucket {config.bucket} does not exist; create it first") from None
        message = exc.response.get("Error", {}).get("Message") or code
        raise TargetError(f"S3 {exc.operation_name} failed: {message}") from None
    except BotoCoreError as exc:
        raise TargetError(f"S3 request failed: {exc}") from None


def _batches(plan: Plan) -> list[list[Step]]:
    """The plan's uploads in runs that may go up in any order among themselves: assets, then data,
    then pages, then index pages deepest first (deploy/plan.py), so every page stays whole."""
    found: list[list[Step]] = []
    last = None
    for step in plan.uploads:
        rank = upload_rank(step.path)[:3]
        if rank != last:
            found.append([])
            last = rank
        found[-1].append(step)
    return found
