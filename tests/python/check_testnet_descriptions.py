#!/usr/bin/env python3
"""Checks that the three descriptions of the 4-party (t = 1) testnet describe the same cluster, since no Docker
engine runs in CI to try the compose file:

  docker-compose.yml + config/compose_1.toml ... compose_4.toml + config/compose_client.toml
  scripts/testnet.sh print-config --parties 4 --threshold 1 --storage s3 --insecure
                                  --s3-endpoint <the compose endpoint> --s3-bucket <the compose bucket>

Compared, party by party: party ids, t and n, public service and peer ports (in the configurations, and the
ports docker-compose.yml publishes and exposes), the peers' ports and identities, the certificate files and the
identities kms-gen-tls-certs gives them, the insecure-service switch, the vault key file, the S3 storage
(bucket, region, endpoint, addressing style, per-party prefix) and the client configuration's cores and
threshold. Checked within the compose file: every peer and client address names the compose service of that
party on the right port, every certificate names the host the client dials, the certificate job makes
certificates for as many parties as the configurations list into the volume the cores read, each core has
its own data and vault volumes and makes its vault key at the configured path, the S3 endpoint is the moto
service, which the bucket job fills with the configured bucket, and the client job mounts the client
configuration and the certificates.

Then, unless --no-self-test, it copies the files to a temporary directory, breaks them one way at a time (a
published port, a peer port, an identity, the bucket, a launcher port ...) and checks that each breakage is
reported, so that a check that no longer looks at anything cannot pass silently.

Prints one line per finding ("FAIL: ...") or per self-test case and a summary; exits 0 only when the
descriptions agree and every self-test breakage is caught, 1 otherwise, 2 for a missing file or tool.
Usage (from the repository root): python3 tests/python/check_testnet_descriptions.py [--root DIR] [--no-self-test]
Needs PyYAML (import yaml) and Python 3.11+ (tomllib).
"""
import argparse
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib

try:
    import yaml
except ImportError:  # pragma: no cover
    print("check_testnet_descriptions: PyYAML is missing (python3 -m pip install pyyaml)", file=sys.stderr)
    sys.exit(2)

PARTIES = 4
THRESHOLD = 1
CORE_SERVICE = "core-{}"
IDENTITY = "kms-core-{}"


class Findings:
    def __init__(self):
        self.problems: list[str] = []

    def check(self, condition: bool, message: str) -> bool:
        if not condition:
            self.problems.append(message)
        return condition


def split_address(address: str) -> tuple[str, int | None]:
    host, _, port = address.rpartition(":")
    return host, int(port) if port.isdigit() else None


def load_toml(path: pathlib.Path) -> dict:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def describe_core(config: dict) -> dict:
    """What must agree between the launcher and compose for one core (hosts and directories left out)."""
    threshold = config.get("threshold", {})
    tls = config.get("tls", {})
    storage = config.get("public_storage")
    return {
        "party_id": threshold.get("party_id"),
        "threshold": threshold.get("threshold"),
        "service_port": config.get("service", {}).get("listen_port"),
        "peer_port": threshold.get("listen_port"),
        "insecure_service": config.get("service", {}).get("enable_insecure_service", False),
        "require_client_certificate": tls.get("require_client_certificate", True),
        "peers": sorted(
            (peer.get("party_id"), split_address(peer.get("address", ""))[1], peer.get("identity", IDENTITY.format(peer.get("party_id"))))
            for peer in threshold.get("peers", [])
        ),
        "tls_files": [pathlib.PurePosixPath(tls.get(key, "")).name for key in ("ca_cert", "cert", "key")],
        "vault_key_file": pathlib.PurePosixPath(config.get("vault", {}).get("root_key_file", "")).name,
        "s3": None if storage is None else {
            "bucket": storage.get("s3_bucket"),
            "region": storage.get("s3_region", "us-east-1"),
            "endpoint": storage.get("s3_endpoint"),
            "addressing_style": storage.get("s3_addressing_style", "virtual-host"),
            "key_prefix": storage.get("s3_key_prefix", ""),
        },
    }


def describe_client(config: dict) -> dict:
    return {
        "threshold": config.get("threshold"),
        "cores": sorted((core.get("party_id"), split_address(core.get("address", ""))[1]) for core in config.get("cores", [])),
        "tls_files": [pathlib.PurePosixPath(config.get("tls", {}).get(key, "")).name for key in ("ca_cert", "cert", "key")],
    }


def compare(findings: Findings, what: str, launcher: dict, compose: dict) -> None:
    for key in sorted(set(launcher) | set(compose)):
        findings.check(launcher.get(key) == compose.get(key),
                       f"{what}: {key} differs: scripts/testnet.sh says {launcher.get(key)!r}, compose says {compose.get(key)!r}")


def launcher_configs(root: pathlib.Path, endpoint: str | None, bucket: str | None, out: pathlib.Path) -> dict[str, dict]:
    command = ["bash", str(root / "scripts/testnet.sh"), "print-config", "--parties", str(PARTIES), "--threshold", str(THRESHOLD),
               "--insecure", "--out", str(out), "--run-dir", str(out / "run")]
    if bucket is not None:
        command += ["--storage", "s3", "--s3-bucket", bucket] + (["--s3-endpoint", endpoint] if endpoint else [])
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[1:4])} ... exited {result.returncode}: {result.stderr.strip()}")
    return {path.stem: load_toml(path) for path in sorted(out.glob("*.toml"))}


def service_script(service: dict) -> str:
    """The shell text of a service's command (a list such as [sh, -c, script] or a string), with compose's $$ undone."""
    command = service.get("command", "")
    text = " ".join(command) if isinstance(command, list) else str(command)
    return text.replace("$$", "$")


def mounts(service: dict) -> dict[str, str]:
    """Container path -> source (a named volume or a ./path bind mount), from the short or the long syntax."""
    result = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            result[volume.get("target", "")] = str(volume.get("source", ""))
        else:
            parts = str(volume).split(":")
            if len(parts) >= 2:
                result[parts[1]] = parts[0]
    return result


def published_ports(service: dict) -> list[tuple[str, int | None, int | None]]:
    """(host ip, host port, container port) of every published port."""
    result = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            result.append((str(port.get("host_ip", "")), int(port["published"]) if port.get("published") else None, int(port.get("target", 0))))
            continue
        text = str(port).split("/")[0]
        parts = text.split(":")
        container = int(parts[-1]) if parts[-1].isdigit() else None
        host = int(parts[-2]) if len(parts) >= 2 and parts[-2].isdigit() else None
        result.append((parts[0] if len(parts) == 3 else "", host, container))
    return result


def volume_for(service: dict, path: str) -> tuple[str, str] | None:
    """The mount (container directory, source) that holds `path` inside the container."""
    best = None
    for target, source in mounts(service).items():
        if target and (path == target or path.startswith(target.rstrip("/") + "/")):
            if best is None or len(target) > len(best[0]):
                best = (target, source)
    return best


def cert_job_arguments(script: str) -> tuple[int | None, str | None, dict[int, list[str]], bool]:
    """--parties, --out, --host-for and whether --hosts is used, from the kms-gen-tls-certs call of a script."""
    joined = script.replace("\\\n", " ")
    match = re.search(r"kms-gen-tls-certs\b([^\n;&|]*)", joined)
    if not match:
        return None, None, {}, False
    words = shlex.split(match.group(1))
    parties, out, hosts_for, shared = None, None, {}, False
    for index, word in enumerate(words):
        value = words[index + 1] if index + 1 < len(words) else ""
        if word == "--parties" and value.isdigit():
            parties = int(value)
        elif word == "--out":
            out = value
        elif word == "--hosts":
            shared = True
        elif word == "--host-for" and "=" in value:
            party, _, hosts = value.partition("=")
            if party.isdigit():
                hosts_for.setdefault(int(party), []).extend(hosts.split(","))
    return parties, out, hosts_for, shared


def check(root: pathlib.Path) -> list[str]:
    findings = Findings()
    compose_path = root / "docker-compose.yml"
    compose = yaml.safe_load(compose_path.read_text())
    services = compose.get("services", {})
    core_configs: dict[int, dict] = {}
    core_files: dict[int, str] = {}

    # Which configuration each core service runs: the file mounted where its command's --config points.
    for party in range(1, PARTIES + 1):
        name = CORE_SERVICE.format(party)
        service = services.get(name)
        if not findings.check(service is not None, f"docker-compose.yml: no service {name}"):
            continue
        match = re.search(r"kms-server\s+--config\s+(\S+)", service_script(service))
        if not findings.check(match is not None, f"{name}: its command does not run kms-server --config PATH"):
            continue
        source = mounts(service).get(match.group(1), "")
        expected = f"./config/compose_{party}.toml"
        findings.check(source == expected, f"{name}: --config {match.group(1)} is mounted from {source or 'nothing'}, expected {expected}")
        path = root / source if source else root / expected
        if not findings.check(path.is_file(), f"{name}: configuration {path} does not exist"):
            continue
        core_configs[party] = load_toml(path)
        core_files[party] = path.name
    client_service = services.get("client")
    findings.check(client_service is not None, "docker-compose.yml: no service client")
    client_config = load_toml(root / "config/compose_client.toml")
    extra = sorted(int(m.group(1)) for f in (root / "config").glob("compose_*.toml") if (m := re.fullmatch(r"compose_(\d+)\.toml", f.name)))
    findings.check(extra == list(range(1, PARTIES + 1)), f"config/: compose_<i>.toml files for parties {extra}, expected 1…{PARTIES}")

    # The launcher's description of the same cluster, for the compose file's bucket and endpoint.
    storages = {p: c.get("public_storage") for p, c in core_configs.items()}
    first = next(iter(storages.values()), None)
    bucket = first.get("s3_bucket") if first else None
    endpoint = first.get("s3_endpoint") if first else None
    with tempfile.TemporaryDirectory() as scratch:
        launcher = launcher_configs(root, endpoint, bucket, pathlib.Path(scratch))
    for party in range(1, PARTIES + 1):
        mine = launcher.get(f"core-{party}")
        if not findings.check(mine is not None, f"scripts/testnet.sh print-config wrote no core-{party}.toml"):
            continue
        if party in core_configs:
            compare(findings, f"party {party} ({core_files[party]} vs testnet.sh core-{party}.toml)", describe_core(mine), describe_core(core_configs[party]))
    findings.check(set(launcher) == {f"core-{p}" for p in range(1, PARTIES + 1)} | {"client"},
                   f"scripts/testnet.sh print-config wrote {sorted(launcher)}, expected core-1 … core-{PARTIES} and client")
    if "client" in launcher:
        compare(findings, "client (compose_client.toml vs testnet.sh client.toml)", describe_client(launcher["client"]), describe_client(client_config))

    # Compose-internal consistency of every core.
    certs_service = services.get("certs", {})
    parties_made, certs_out, hosts_for, shared_hosts = cert_job_arguments(service_script(certs_service))
    findings.check(parties_made == PARTIES, f"certs: kms-gen-tls-certs --parties {parties_made}, the configurations list {PARTIES} parties")
    certs_volume = volume_for(certs_service, (certs_out or "").rstrip("/") + "/ca.pem") if certs_out else None
    findings.check(certs_volume is not None and not certs_volume[1].startswith("."),
                   f"certs: --out {certs_out} is not in a named volume of the certs service")
    client_hosts = {core.get("party_id"): split_address(core.get("address", ""))[0] for core in client_config.get("cores", [])}
    data_volumes: dict[str, int] = {}
    host_ports: dict[int, str] = {}
    for party, config in core_configs.items():
        name = CORE_SERVICE.format(party)
        service = services[name]
        threshold = config.get("threshold", {})
        service_port = config.get("service", {}).get("listen_port")
        peer_port = threshold.get("listen_port")
        findings.check(threshold.get("party_id") == party, f"{name}: party_id {threshold.get('party_id')} in {core_files[party]}, expected {party}")
        findings.check(len(threshold.get("peers", [])) == parties_made,
                       f"{name}: {len(threshold.get('peers', []))} peers, but the certs job makes certificates for {parties_made}")
        for key in ("service", "threshold"):
            address = config.get(key, {}).get("listen_address")
            findings.check(address not in ("127.0.0.1", "localhost", "::1"),
                           f"{name}: {key}.listen_address {address} is loopback; other containers could not reach it")
        # Published and exposed ports.
        published = published_ports(service)
        findings.check([(h, c) for _, h, c in published] == [(service_port, service_port)],
                       f"{name}: publishes {[(h, c) for _, h, c in published]} (host, container), expected [({service_port}, {service_port})] from {core_files[party]}")
        for ip, host, _ in published:
            findings.check(ip == "127.0.0.1", f"{name}: port {host} is published on '{ip or 'every interface'}', expected 127.0.0.1")
            if host in host_ports:
                findings.problems.append(f"{name}: host port {host} is also published by {host_ports[host]}")
            host_ports[host] = name
        exposed = sorted(int(str(p).split("/")[0]) for p in service.get("expose", []))
        findings.check(exposed == [peer_port], f"{name}: exposes {exposed}, expected the peer port [{peer_port}] from {core_files[party]}")
        findings.check(all(c != peer_port for _, _, c in published), f"{name}: publishes its peer port {peer_port} (core-to-core only)")
        # Peers: the compose service of that party, on its configured peer port, with the identity of its certificate.
        for peer in threshold.get("peers", []):
            peer_id = peer.get("party_id")
            host, port = split_address(peer.get("address", ""))
            findings.check(host == CORE_SERVICE.format(peer_id) and CORE_SERVICE.format(peer_id) in services,
                           f"{name}: peer {peer_id} at host '{host}', expected the compose service {CORE_SERVICE.format(peer_id)}")
            other = core_configs.get(peer_id)
            if other is not None:
                findings.check(port == other.get("threshold", {}).get("listen_port"),
                               f"{name}: peer {peer_id} at port {port}, but {core_files[peer_id]} listens on {other.get('threshold', {}).get('listen_port')}")
            findings.check(peer.get("identity", IDENTITY.format(peer_id)) == IDENTITY.format(peer_id),
                           f"{name}: peer {peer_id} has identity '{peer.get('identity')}', kms-gen-tls-certs names party {peer_id} {IDENTITY.format(peer_id)}")
        # Certificates: party's own files in the volume the certs job writes, and the host the client dials.
        tls = config.get("tls", {})
        for key, expected in (("ca_cert", "ca.pem"), ("cert", f"core-{party}.pem"), ("key", f"core-{party}.key")):
            path = tls.get(key, "")
            findings.check(pathlib.PurePosixPath(path).name == expected, f"{name}: tls.{key} is {path}, expected party {party}'s file {expected}")
            mount = volume_for(service, path)
            findings.check(mount is not None and certs_volume is not None and mount[1].split(":")[0] == certs_volume[1]
                           and str(pathlib.PurePosixPath(path).parent) == (certs_out or "").rstrip("/"),
                           f"{name}: tls.{key} {path} is not in the certs volume that the certs job writes ({certs_out})")
        dialed = client_hosts.get(party)
        findings.check(shared_hosts or dialed in hosts_for.get(party, []),
                       f"certs: party {party}'s certificate names {hosts_for.get(party, [])}, but the client dials {dialed}")
        # Data and vault: this core's own volumes; its command makes the configured vault key.
        data_dir = config.get("storage", {}).get("data_dir", "")
        vault_key = config.get("vault", {}).get("root_key_file", "")
        for what, path in (("storage.data_dir", data_dir), ("vault.root_key_file", vault_key)):
            mount = volume_for(service, path)
            if findings.check(mount is not None and not mount[1].startswith("."), f"{name}: {what} {path} is not in a named volume"):
                owner = data_volumes.setdefault(mount[1], party)
                findings.check(owner == party, f"{name}: {what} is in volume {mount[1]}, which core-{owner} uses too")
        script = service_script(service)
        findings.check(f"> {vault_key}" in script and "umask 077" in script,
                       f"{name}: its command does not make the vault key {vault_key} with umask 077")
        # S3: the moto service, the bucket the bucket job makes, credentials in the environment.
        storage = config.get("public_storage")
        if findings.check(storage is not None, f"{name}: no [public_storage] (the compose testnet keeps public objects on S3)"):
            s3_host, s3_port = split_address(re.sub(r"^https?://", "", storage.get("s3_endpoint", "")))
            s3_service = services.get(s3_host, {})
            findings.check("motoserver/moto" in str(s3_service.get("image", "")),
                           f"{name}: s3_endpoint host '{s3_host}' is not a moto service of the compose file")
            findings.check(s3_port == 5000, f"{name}: s3_endpoint port {s3_port}, moto's image listens on 5000")
            findings.check(storage.get("s3_key_prefix") == f"core-{party}/", f"{name}: s3_key_prefix {storage.get('s3_key_prefix')!r}, expected 'core-{party}/'")
            findings.check(f"{storage.get('s3_endpoint')}/{storage.get('s3_bucket')}" in service_script(services.get("s3-bucket", {})),
                           f"{name}: the s3-bucket job does not create {storage.get('s3_endpoint')}/{storage.get('s3_bucket')}")
            environment = service.get("environment", {})
            if isinstance(environment, list):
                environment = dict(item.split("=", 1) for item in environment if "=" in item)
            findings.check({"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} <= set(environment),
                           f"{name}: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY not in its environment")
        depends = service.get("depends_on", {})
        depends = depends if isinstance(depends, dict) else {d: {} for d in depends}
        for job in ("certs", "s3-bucket"):
            findings.check(depends.get(job, {}).get("condition") == "service_completed_successfully",
                           f"{name}: does not wait for the {job} job to complete successfully")

    # The client job: its configuration, the certificates, every core.
    if client_service is not None:
        match = re.search(r"kms-core-client\s+--config\s+(\S+)", service_script(client_service))
        findings.check(match is not None and mounts(client_service).get(match.group(1).strip("\"'")) == "./config/compose_client.toml",
                       "client: does not run kms-core-client --config on ./config/compose_client.toml")
        for key in ("ca_cert", "cert", "key"):
            path = client_config.get("tls", {}).get(key, "")
            mount = volume_for(client_service, path)
            findings.check(mount is not None and certs_volume is not None and mount[1] == certs_volume[1]
                           and str(pathlib.PurePosixPath(path).parent) == (certs_out or "").rstrip("/"),
                           f"client: tls.{key} {path} is not in the certs volume")
        for core in client_config.get("cores", []):
            party = core.get("party_id")
            host, port = split_address(core.get("address", ""))
            findings.check(host == CORE_SERVICE.format(party), f"client: core {party} at host '{host}', expected {CORE_SERVICE.format(party)}")
            if party in core_configs:
                findings.check(port == core_configs[party].get("service", {}).get("listen_port"),
                               f"client: core {party} at port {port}, but {core_files[party]} serves on {core_configs[party].get('service', {}).get('listen_port')}")
        depends = client_service.get("depends_on", [])
        findings.check(all(CORE_SERVICE.format(p) in depends for p in range(1, PARTIES + 1)), "client: does not depend on every core")
        script = service_script(client_service)
        for step in ("health", "insecure-keygen", "encrypt", "decrypt"):
            findings.check(step in script, f"client: its command does not run kms-core-client {step}")
        findings.check(all(c.get("service", {}).get("enable_insecure_service") for c in core_configs.values()) or "insecure-keygen" not in script,
                       "client: runs insecure-keygen, but not every core has enable_insecure_service = true")
    return findings.problems


# Each case edits one file of a copy and must make check() report something.
SELF_TEST = [
    ("compose publishes core-2 on another host port", "docker-compose.yml", '"127.0.0.1:22002:22002"', '"127.0.0.1:22012:22002"'),
    ("compose publishes core-3's container port 22013", "docker-compose.yml", '"127.0.0.1:22003:22003"', '"127.0.0.1:22003:22013"'),
    ("compose exposes another peer port for core-1", "docker-compose.yml", '"22101"', '"22111"'),
    ("compose mounts compose_1.toml into core-2", "docker-compose.yml", "./config/compose_2.toml:/config/core.toml", "./config/compose_1.toml:/config/core.toml"),
    ("certs job makes 3 parties", "docker-compose.yml", "--parties 4", "--parties 3"),
    ("certs job leaves core-4 out of party 4's certificate", "docker-compose.yml", "--host-for 4=core-4,", "--host-for 4="),
    ("bucket job creates another bucket", "docker-compose.yml", "http://s3:5000/kms-public", "http://s3:5000/kms-other"),
    ("core-2 shares core-1's data volume", "docker-compose.yml", "core-2-data:/data", "core-1-data:/data"),
    ("core-3 makes another vault key", "docker-compose.yml", "> /vault/core-3.key", "> /vault/core-9.key"),
    ("compose_1.toml serves on 22011", "config/compose_1.toml", "listen_port = 22001", "listen_port = 22011"),
    ("compose_2.toml names peer 3 at port 22113", "config/compose_2.toml", 'address = "core-3:22103"', 'address = "core-3:22113"'),
    ("compose_4.toml pins another identity for party 1", "config/compose_4.toml", 'identity = "kms-core-1"', 'identity = "kms-core-one"'),
    ("compose_3.toml uses party 2's certificate", "config/compose_3.toml", 'cert = "/certs/core-3.pem"', 'cert = "/certs/core-2.pem"'),
    ("compose_2.toml uses another bucket", "config/compose_2.toml", 's3_bucket = "kms-public"', 's3_bucket = "kms-other"'),
    ("compose_4.toml shares core-1's S3 prefix", "config/compose_4.toml", 's3_key_prefix = "core-4/"', 's3_key_prefix = "core-1/"'),
    ("compose_1.toml has t = 2", "config/compose_1.toml", "threshold = 1", "threshold = 2"),
    ("compose_client.toml dials core 3 at 22013", "config/compose_client.toml", 'address = "core-3:22003"', 'address = "core-3:22013"'),
    ("the launcher's peer ports move by 200", "scripts/testnet.sh", "peer_port() { echo $(( base_port + 100 + $1 )); }", "peer_port() { echo $(( base_port + 200 + $1 )); }"),
    ("the launcher's default base port is 23000", "scripts/testnet.sh", "base_port=22000", "base_port=23000"),
    ("the launcher's S3 prefix is not per party", "scripts/testnet.sh", "printf 's3_key_prefix = \"core-%s/\"\\n\\n' \"$i\"", "printf 's3_key_prefix = \"cores/\"\\n\\n'"),
]


def self_test(root: pathlib.Path) -> list[str]:
    failures = []
    files = ["docker-compose.yml", "scripts/testnet.sh", "config/compose_client.toml"] + [f"config/compose_{p}.toml" for p in range(1, PARTIES + 1)]
    for name, file, old, new in SELF_TEST:
        with tempfile.TemporaryDirectory() as scratch:
            copy = pathlib.Path(scratch)
            for relative in files:
                (copy / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / relative, copy / relative)
            text = (copy / file).read_text()
            if old not in text:
                failures.append(f"self-test '{name}': '{old}' is not in {file} any more; update the case")
                continue
            (copy / file).write_text(text.replace(old, new, 1))
            try:
                problems = check(copy)
            except Exception as error:  # a breakage that makes a tool refuse is caught too
                problems = [f"{type(error).__name__}: {error}"]
            if problems:
                print(f"ok: self-test '{name}' is caught: {problems[0]}")
            else:
                failures.append(f"self-test '{name}' ({file}) was NOT caught")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parents[2]), help="repository root (default: this file's)")
    parser.add_argument("--no-self-test", action="store_true", help="skip the breakage self-test")
    arguments = parser.parse_args()
    root = pathlib.Path(arguments.root)
    for relative in ("docker-compose.yml", "scripts/testnet.sh", "config/compose_client.toml"):
        if not (root / relative).is_file():
            print(f"check_testnet_descriptions: {root / relative} does not exist", file=sys.stderr)
            return 2
    try:
        problems = check(root)
    except (RuntimeError, OSError, yaml.YAMLError, tomllib.TOMLDecodeError) as error:
        problems = [f"{type(error).__name__}: {error}"]
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        print(f"ok: docker-compose.yml, config/compose_*.toml and scripts/testnet.sh describe the same {PARTIES}-party t={THRESHOLD} cluster")
    failures = [] if arguments.no_self_test else self_test(root)
    for failure in failures:
        print(f"FAIL: {failure}")
    if problems or failures:
        print(f"check_testnet_descriptions: {len(problems)} inconsistencies, {len(failures)} self-test failures")
        return 1
    if not arguments.no_self_test:
        print(f"ok: all {len(SELF_TEST)} self-test breakages are caught")
    return 0


if __name__ == "__main__":
    sys.exit(main())
