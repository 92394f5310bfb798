#!/usr/bin/env python3
"""Calls a running kms-server over mutual TLS with a gRPC client generated right now from proto/ by
grpcio-tools (code nobody in this project wrote), and checks three answers:

  grpc.health.v1.Health/Check                  -> SERVING
  kms.v1.CoreServiceEndpoint/GetHealthStatus   -> a HealthStatus with a version
  kms.v1.CoreServiceEndpoint/GetKeyGenResult
      with a malformed RequestId               -> INVALID_ARGUMENT

Prints one line per check ("ok: ..." / "FAIL: ...") and exits 0 only if all pass.
Usage: check_core_endpoint.py --proto-dir proto --target localhost:21200 --ca ca.pem --cert client.pem --key client.key
"""
import argparse
import importlib
import pathlib
import shutil
import sys
import tempfile


def generate(proto_dir: pathlib.Path, out_dir: pathlib.Path) -> None:
    from grpc_tools import protoc
    import grpc_tools

    include = str(pathlib.Path(grpc_tools.__file__).parent / "_proto")
    # kms/v1/*.proto keep their package layout (kms/v1/kms_pb2.py, ...).
    kms = ["kms/v1/kms.proto", "kms/v1/kms_service.proto"]
    code = protoc.main(["protoc", f"-I{proto_dir}", f"-I{include}", f"--python_out={out_dir}",
                        f"--grpc_python_out={out_dir}"] + kms)
    if code != 0:
        raise SystemExit(f"FAIL: protoc could not compile {kms} (exit {code})")
    # health.proto is generated at top level: a local "grpc/" package would clash with the grpc library.
    health_dir = proto_dir / "grpc" / "health" / "v1"
    code = protoc.main(["protoc", f"-I{health_dir}", f"-I{include}", f"--python_out={out_dir}",
                        f"--grpc_python_out={out_dir}", "health.proto"])
    if code != 0:
        raise SystemExit(f"FAIL: protoc could not compile health.proto (exit {code})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--proto-dir", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()

    import grpc

    out_dir = pathlib.Path(tempfile.mkdtemp(prefix="kms-pyclient-"))
    try:
        generate(pathlib.Path(args.proto_dir).resolve(), out_dir)
        sys.path.insert(0, str(out_dir))
        health_pb2 = importlib.import_module("health_pb2")
        health_pb2_grpc = importlib.import_module("health_pb2_grpc")
        kms_pb2 = importlib.import_module("kms.v1.kms_pb2")
        kms_service_pb2_grpc = importlib.import_module("kms.v1.kms_service_pb2_grpc")

        credentials = grpc.ssl_channel_credentials(
            root_certificates=pathlib.Path(args.ca).read_bytes(),
            private_key=pathlib.Path(args.key).read_bytes(),
            certificate_chain=pathlib.Path(args.cert).read_bytes(),
        )
        failures = 0
        with grpc.secure_channel(args.target, credentials) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            answer = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=args.timeout)
            name = health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)
            if answer.status == health_pb2.HealthCheckResponse.SERVING:
                print(f"ok: health Check -> {name}")
            else:
                print(f"FAIL: health Check -> {name}")
                failures += 1

            core = kms_service_pb2_grpc.CoreServiceEndpointStub(channel)
            status = core.GetHealthStatus(kms_pb2.Empty(), timeout=args.timeout)
            state = kms_pb2.ServingState.Name(status.state)
            if status.version and status.state in (kms_pb2.SERVING_STATE_SERVING, kms_pb2.SERVING_STATE_DEGRADED):
                print(f"ok: GetHealthStatus -> {state} version={status.version} deployment={status.deployment_type}")
            else:
                print(f"FAIL: GetHealthStatus -> {state} version={status.version!r}")
                failures += 1

            try:
                core.GetKeyGenResult(kms_pb2.RequestId(request_id="0x" + "ab" * 32), timeout=args.timeout)
                print("FAIL: malformed RequestId was accepted")
                failures += 1
            except grpc.RpcError as error:
                if error.code() == grpc.StatusCode.INVALID_ARGUMENT:
                    print(f"ok: malformed RequestId -> INVALID_ARGUMENT ({error.details()})")
                else:
                    print(f"FAIL: malformed RequestId -> {error.code().name} ({error.details()})")
                    failures += 1
        return 1 if failures else 0
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
