#!/usr/bin/env python3
"""Recovers the signer of each core's EIP-712 KeygenVerification with eth-account (code that is not ours).

Reads JSON on stdin: {"domain": {name, version, chainId, verifyingContract}, "prep_keygen_id": hex,
"key_id": hex, "digests": [{"key_type": 0|1, "digest": hex}], "signatures": [hex, ...]} and prints one
recovered address (EIP-55) per signature, in order.
"""
import json
import sys

from eth_account import Account
from eth_account.messages import encode_typed_data


def main() -> None:
    request = json.load(sys.stdin)
    domain = request["domain"]
    message = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "KeygenVerification": [
                {"name": "prepKeygenId", "type": "uint256"},
                {"name": "keyId", "type": "uint256"},
                {"name": "keyDigests", "type": "KeyDigest[]"},
                {"name": "extraData", "type": "bytes"},
            ],
            "KeyDigest": [
                {"name": "keyType", "type": "uint8"},
                {"name": "digest", "type": "bytes"},
            ],
        },
        "primaryType": "KeygenVerification",
        "domain": {
            "name": domain["name"],
            "version": domain["version"],
            "chainId": int(domain["chainId"]),
            "verifyingContract": domain["verifyingContract"],
        },
        "message": {
            "prepKeygenId": int(request["prep_keygen_id"], 16),
            "keyId": int(request["key_id"], 16),
            "keyDigests": [
                {"keyType": int(d["key_type"]), "digest": bytes.fromhex(d["digest"])} for d in request["digests"]
            ],
            "extraData": b"",
        },
    }
    signable = encode_typed_data(full_message=message)
    for signature in request["signatures"]:
        print(Account.recover_message(signable, signature=bytes.fromhex(signature)))


if __name__ == "__main__":
    main()
