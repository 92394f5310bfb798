#!/usr/bin/env python3
"""Generic gRPC tooling against a running kms-server over mutual TLS, with clients nobody in this project wrote.

  watch    grpc.health.v1.Health/Watch through grpcio-health-checking's stub: prints every status the stream
           sends ("status: SERVING", flushed at once) and exits 0 when --until arrives, 1 if the stream ends or
           --timeout passes first.
  reflect  server reflection through grpcio-reflection's ProtoReflectionDescriptorDatabase (grpc.reflection
           .v1alpha) and a raw grpc.reflection.v1 stream: the services listed, every method of every service
           resolved to its descriptor, compared with proto/ compiled by grpcio-tools. Prints "ok: ..." or
           "FAIL: ..." lines and exits 0 only if all pass.

Usage: check_health_and_reflection.py watch   --target T --ca C --cert P --key K --service S --until NOT_SERVING
       check_health_and_reflection.py reflect --target T --ca C --cert P --key K --proto-dir proto [--insecure-service]
"""
import argparse
import importlib
import pathlib
import sys
import tempfile

import grpc


def channel(args) -> grpc.Channel:
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pathlib.Path(args.ca).read_bytes(),
        private_key=pathlib.Path(args.key).read_bytes(),
        certificate_chain=pathlib.Path(args.cert).read_bytes())
    return grpc.secure_channel(args.target, credentials)


def watch(args) -> int:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    stub = health_pb2_grpc.HealthStub(channel(args))
    names = health_pb2.HealthCheckResponse.ServingStatus
    try:
        for response in stub.Watch(health_pb2.HealthCheckRequest(service=args.service), timeout=args.timeout):
            name = names.Name(response.status)
            print(f"status: {name}", flush=True)
            if name == args.until:
                return 0
        print("FAIL: the stream ended before the awaited status", flush=True)
    except grpc.RpcError as error:
        print(f"FAIL: {error.code().name}: {error.details()}", flush=True)
    return 1


def expected_services(proto_dir: pathlib.Path, insecure: bool) -> dict:
    """Service name -> method names, from our .proto files compiled by grpcio-tools."""
    from grpc_tools import protoc
    import grpc_tools

    out = pathlib.Path(tempfile.mkdtemp(prefix="kms-reflect-"))
    include = str(pathlib.Path(grpc_tools.__file__).parent / "_proto")
    files = ["kms/v1/kms.proto", "kms/v1/kms_service.proto"]
    if protoc.main(["protoc", f"-I{proto_dir}", f"-I{include}", f"--python_out={out}"] + files) != 0:
        raise SystemExit("FAIL: protoc could not compile kms_service.proto")
    sys.path.insert(0, str(out))
    module = importlib.import_module("kms.v1.kms_service_pb2")
    services = {}
    for name, service in module.DESCRIPTOR.services_by_name.items():
        if name == "InsecureCoreServiceEndpoint" and not insecure:
            continue
        services[service.full_name] = sorted(method.name for method in service.methods)
    services["grpc.health.v1.Health"] = ["Check", "Watch"]
    services["grpc.reflection.v1.ServerReflection"] = ["ServerReflectionInfo"]
    return services


def reflect(args) -> int:
    from google.protobuf import descriptor_pool
    from grpc_reflection.v1alpha import reflection_pb2
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

    failures = 0

    def check(condition: bool, text: str) -> None:
        nonlocal failures
        print(("ok: " if condition else "FAIL: ") + text, flush=True)
        failures += 0 if condition else 1

    expected = expected_services(pathlib.Path(args.proto_dir).resolve(), args.insecure_service)
    connection = channel(args)
    database = ProtoReflectionDescriptorDatabase(connection)
    listed = sorted(database.get_services())
    check(listed == sorted(expected), f"v1alpha list_services -> {listed}")
    pool = descriptor_pool.DescriptorPool(database)
    for name, methods in sorted(expected.items()):
        try:
            service = pool.FindServiceByName(name)
            found = sorted(method.name for method in service.methods)
            check(found == methods, f"{name}: {len(found)} methods resolved through reflection")
            for method in service.methods:  # every input and output type came with the files
                assert method.input_type.full_name and method.output_type.full_name
        except Exception as error:  # noqa: BLE001 - any failure to resolve is the finding
            check(False, f"{name}: {type(error).__name__}: {error}")
    message = pool.FindMessageTypeByName("kms.v1.RequestId")
    check([field.name for field in message.fields] == ["request_id"], "kms.v1.RequestId resolved with its field")

    # grpc.reflection.v1: the same messages on the v1 path, several requests on one stream, answered in order.
    stream = connection.stream_stream(
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString)
    requests = [reflection_pb2.ServerReflectionRequest(list_services=""),
                reflection_pb2.ServerReflectionRequest(file_containing_symbol="no.such.Symbol"),
                reflection_pb2.ServerReflectionRequest(file_by_filename="kms/v1/kms_service.proto")]
    answers = list(stream(iter(requests), timeout=10))
    check(len(answers) == 3, f"v1 stream answered {len(answers)} of 3 requests")
    if len(answers) == 3:
        v1_listed = sorted(service.name for service in answers[0].list_services_response.service)
        check(v1_listed == listed, "v1 list_services equals v1alpha's")
        check(answers[1].error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0],
              f"unknown symbol -> error {answers[1].error_response.error_code} ({answers[1].error_response.error_message})")
        files = answers[2].file_descriptor_response.file_descriptor_proto
        check(len(files) == 2, f"kms_service.proto came with its import ({len(files)} files)")
        check(answers[2].original_request.file_by_filename == "kms/v1/kms_service.proto", "original_request echoed")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["watch", "reflect"])
    parser.add_argument("--target", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--service", default="")
    parser.add_argument("--until", default="NOT_SERVING")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--proto-dir", default="proto")
    parser.add_argument("--insecure-service", action="store_true")
    args = parser.parse_args()
    return watch(args) if args.mode == "watch" else reflect(args)


if __name__ == "__main__":
    sys.exit(main())
