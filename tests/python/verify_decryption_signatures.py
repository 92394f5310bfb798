#!/usr/bin/env python3
"""Recovers the signer of each core's EIP-712 PublicDecryptVerification with eth-account and eth-abi (code
that is not ours).

Reads JSON on stdin: {"domain": {name, version, chainId, verifyingContract}, "handles": [hex32, ...],
"values": ["decimal", ...], "extra_data": hex, "signatures": [hex, ...]} and prints one recovered address
(EIP-55) per signature, in order. decryptedResult is abi.encode(uint256, ...) of the values.
"""
import json
import sys

from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data


def main() -> None:
    request = json.load(sys.stdin)
    domain = request["domain"]
    values = [int(v) for v in request["values"]]
    message = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "PublicDecryptVerification": [
                {"name": "ctHandles", "type": "bytes32[]"},
                {"name": "decryptedResult", "type": "bytes"},
                {"name": "extraData", "type": "bytes"},
            ],
        },
        "primaryType": "PublicDecryptVerification",
        "domain": {
            "name": domain["name"],
            "version": domain["version"],
            "chainId": int(domain["chainId"]),
            "verifyingContract": domain["verifyingContract"],
        },
        "message": {
            "ctHandles": [bytes.fromhex(h) for h in request["handles"]],
            "decryptedResult": encode(["uint256"] * len(values), values),
            "extraData": bytes.fromhex(request.get("extra_data", "")),
        },
    }
    signable = encode_typed_data(full_message=message)
    for signature in request["signatures"]:
        print(Account.recover_message(signable, signature=bytes.fromhex(signature)))


if __name__ == "__main__":
    main()
