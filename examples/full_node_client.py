#!/usr/bin/env python3
"""An example full node: encrypts a value with kms-core-client, starts its public decryption on every core of the
cluster at once and collects the results over gRPC (grpcio, stubs generated from proto/ at start), checks each core's EIP-712
PublicDecryptVerification signature with eth-account against the address the core announces, and accepts the
plaintext that at least t + 1 cores signed.

  python3 examples/full_node_client.py --config .build/kms-cluster/client.toml --key-id KEY_ID \
      --keys-dir .build/kms-cluster/keys --type uint64 --value 12345 [--client PATH/kms-core-client]

The key must have been fetched first (`kms-core-client fetch-keys --key-id KEY_ID --keys-dir DIR`). Prints the
accepted value and the signing cores as JSON; exits 1 if fewer than t + 1 cores agree.
Needs: grpcio, grpcio-tools, eth-account, eth-abi (scripts/setup.sh installs them).
"""
import argparse
import importlib
import json
import os
import pathlib
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib

REPOSITORY = pathlib.Path(__file__).resolve().parent.parent
TYPES = {"bool": 1, "uint4": 2, "uint8": 3, "uint16": 4, "uint32": 5, "uint64": 6, "uint128": 7, "uint160": 8, "uint256": 9}


def generate_stubs(out_dir: pathlib.Path) -> None:
    from grpc_tools import protoc
    import grpc_tools

    include = str(pathlib.Path(grpc_tools.__file__).parent / "_proto")
    code = protoc.main(["protoc", f"-I{REPOSITORY / 'proto'}", f"-I{include}", f"--python_out={out_dir}",
                        f"--grpc_python_out={out_dir}", "kms/v1/kms.proto", "kms/v1/kms_service.proto"])
    if code != 0:
        sys.exit(f"protoc failed on proto/kms/v1 (exit {code})")


def eip712_signer(domain: dict, handles: list, values: list, extra: bytes, signature: bytes) -> str:
    from eth_abi import encode
    from eth_account import Account
    from eth_account.messages import encode_typed_data

    message = {
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                             {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
            "PublicDecryptVerification": [{"name": "ctHandles", "type": "bytes32[]"},
                                          {"name": "decryptedResult", "type": "bytes"}, {"name": "extraData", "type": "bytes"}],
        },
        "primaryType": "PublicDecryptVerification",
        "domain": domain,
        "message": {"ctHandles": handles, "decryptedResult": encode(["uint256"] * len(values), values), "extraData": extra},
    }
    return Account.recover_message(encode_typed_data(full_message=message), signature=signature)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True, help="kms-core-client configuration (cores, tls, eip712, threshold)")
    parser.add_argument("--key-id", required=True)
    parser.add_argument("--keys-dir", required=True, help="where fetch-keys put the key set")
    parser.add_argument("--type", default="uint64", choices=sorted(TYPES))
    parser.add_argument("--value", default="42", help="decimal or 0x-hex")
    parser.add_argument("--client", default=shutil.which("kms-core-client") or "kms-core-client")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()

    import grpc
    from eth_account import Account  # noqa: F401  (fail early if missing)

    config = tomllib.loads(pathlib.Path(args.config).read_text())
    cores = config["cores"]
    threshold = config.get("threshold", (len(cores) - 1) // 3)
    eip712 = config.get("eip712")
    if not eip712:
        sys.exit(f"{args.config}: no [eip712] table, so the cores would not sign")
    domain = {"name": eip712["name"], "version": eip712["version"], "chainId": int(eip712["chain_id"]),
              "verifyingContract": eip712["verifying_contract"]}
    # Relative paths in the client configuration are relative to the directory the client runs in, as for kms-core-client.
    tls = {k: pathlib.Path(v).read_bytes() for k, v in config["tls"].items() if k in ("ca_cert", "cert", "key")}
    credentials = grpc.ssl_channel_credentials(root_certificates=tls["ca_cert"], private_key=tls["key"], certificate_chain=tls["cert"])

    work = pathlib.Path(tempfile.mkdtemp(prefix="full-node-"))
    try:
        # 1. Encrypt with the client (the compact public key fetched before).
        ciphertext_file = work / "value.ct"
        subprocess.run([args.client, "--config", args.config, "encrypt", "--key-id", args.key_id, "--keys-dir", args.keys_dir,
                        "--type", args.type, "--value", args.value, "--out", str(ciphertext_file)], check=True, stdout=sys.stderr)
        ciphertext = ciphertext_file.read_bytes()

        # 2. Public decryption on every core, with our own handle for the ciphertext.
        generate_stubs(work)
        sys.path.insert(0, str(work))
        kms_pb2 = importlib.import_module("kms.v1.kms_pb2")
        stubs = importlib.import_module("kms.v1.kms_service_pb2_grpc")
        handle = secrets.token_bytes(32)
        request = kms_pb2.PublicDecryptionRequest(
            request_id=kms_pb2.RequestId(request_id=secrets.token_hex(32)),
            key_id=kms_pb2.RequestId(request_id=args.key_id),
            ciphertexts=[kms_pb2.TypedCiphertext(ciphertext=ciphertext, fhe_type=TYPES[args.type], external_handle=handle)],
            domain=kms_pb2.Eip712Domain(name=domain["name"], version=domain["version"],
                                        chain_id=domain["chainId"].to_bytes(32, "big"),
                                        verifying_contract=domain["verifyingContract"]),
        )
        # Every core must get the request at about the same time (they decrypt together): start it on all of them
        # first, then collect the results (GetPublicDecryptionResult long-polls; UNAVAILABLE means still running).
        votes, dissent, channels = {}, {}, {}
        for core in cores:
            channels[core["party_id"]] = grpc.secure_channel(core["address"], credentials)
        try:
            started = {}
            for core in cores:
                party = core["party_id"]
                try:
                    stubs.CoreServiceEndpointStub(channels[party]).PublicDecrypt(request, timeout=30)
                    started[party] = core
                except grpc.RpcError as error:
                    dissent[party] = f"{error.code().name}: {error.details()}"
            deadline = time.monotonic() + args.timeout
            for party, core in started.items():
                stub = stubs.CoreServiceEndpointStub(channels[party])
                try:
                    announced = stub.GetOperatorPublicKey(kms_pb2.Empty(), timeout=10)
                    address = core.get("signer_address") or announced.address
                    while True:
                        try:
                            answer = stub.GetPublicDecryptionResult(request.request_id, timeout=30)
                            break
                        except grpc.RpcError as error:
                            if error.code() != grpc.StatusCode.UNAVAILABLE or time.monotonic() > deadline:
                                raise
                            time.sleep(0.2)
                except grpc.RpcError as error:
                    dissent[party] = f"{error.code().name}: {error.details()}"
                    continue
                plaintext = answer.payload.plaintexts[0]
                value = int.from_bytes(plaintext.bytes, "little")
                signer = eip712_signer(domain, [handle], [value], bytes(answer.extra_data), bytes(answer.external_signature))
                if signer.lower() != address.lower():
                    dissent[party] = f"signature recovers {signer}, the core is {address}"
                    continue
                votes.setdefault(value, []).append({"party_id": party, "address": signer})
        finally:
            for channel in channels.values():
                channel.close()
        if not votes or max(len(v) for v in votes.values()) < threshold + 1:
            print(json.dumps({"error": f"fewer than {threshold + 1} cores signed the same plaintext", "dissent": dissent}))
            return 1
        value, signers = max(votes.items(), key=lambda item: len(item[1]))
        print(json.dumps({"type": args.type, "value": str(value), "handle": handle.hex(), "signers": signers,
                          "dissent": {str(k): v for k, v in dissent.items()}}, indent=2))
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
