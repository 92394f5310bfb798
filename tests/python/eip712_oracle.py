#!/usr/bin/env python3
"""EIP-712 oracle for Tests/SignaturesTests/EIP712OracleTests.swift, built on eth-account (code nobody here wrote).

Reads JSON on stdin: {"cases": [{"domain": {...}, "primaryType": "...", "message": {...},
                                 "privateKey": "0x..." (optional), "signature": "0x..." (optional)}]}
Domain: any of name, version (strings), chainId (hex uint256), verifyingContract (address), salt (hex bytes32).
Message fields: uint256 as hex strings, bytes and bytes32 as hex strings, KeyDigest as {"keyType": int, "digest": hex}.
The struct shapes are written out here from DESIGN §3.6, independently of the Swift type strings.

Prints JSON: {"results": [{"digest": hex, "signature": hex (eth-account's, with privateKey),
                           "recovered": address (from signature), "oracleSignature": hex, "oracleAddress": address}]}
where oracleSignature is made with a fresh key of eth-account's own.
"""
import json
import sys

try:
    from eth_account import Account
    from eth_account.messages import encode_typed_data
    from eth_utils import keccak
except ImportError as error:
    sys.exit(f"eip712_oracle.py needs eth-account (python3 -m pip install eth-account): {error}")

TYPES = {
    "PrepKeygenVerification": [
        {"name": "prepKeygenId", "type": "uint256"},
        {"name": "extraData", "type": "bytes"},
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
    "PublicDecryptVerification": [
        {"name": "ctHandles", "type": "bytes32[]"},
        {"name": "decryptedResult", "type": "bytes"},
        {"name": "extraData", "type": "bytes"},
    ],
    "UserDecryptResponseVerification": [
        {"name": "publicKey", "type": "bytes"},
        {"name": "ctHandles", "type": "bytes32[]"},
        {"name": "userDecryptedShare", "type": "bytes"},
        {"name": "extraData", "type": "bytes"},
    ],
    "CrsgenVerification": [
        {"name": "crsId", "type": "uint256"},
        {"name": "maxBitLength", "type": "uint256"},
        {"name": "crsDigest", "type": "bytes"},
        {"name": "extraData", "type": "bytes"},
    ],
}

DOMAIN_FIELDS = [("name", "string"), ("version", "string"), ("chainId", "uint256"),
                 ("verifyingContract", "address"), ("salt", "bytes32")]


def from_hex(text):
    return bytes.fromhex(text[2:] if text.startswith("0x") else text)


def convert(value, solidity_type):
    """JSON value (hex strings) -> the Python value eth-account expects for solidity_type."""
    if solidity_type.endswith("[]"):
        return [convert(item, solidity_type[:-2]) for item in value]
    if solidity_type in TYPES:
        return {field["name"]: convert(value[field["name"]], field["type"]) for field in TYPES[solidity_type]}
    if solidity_type == "uint8":
        return int(value)
    if solidity_type.startswith("uint"):
        return int(value, 16)
    if solidity_type in ("bytes", "bytes32"):
        return from_hex(value)
    return value  # string, address


def typed_data(case):
    primary = case["primaryType"]
    domain_types = [{"name": name, "type": kind} for name, kind in DOMAIN_FIELDS if name in case["domain"]]
    domain = {name: convert(case["domain"][name], kind) for name, kind in DOMAIN_FIELDS if name in case["domain"]}
    types = {"EIP712Domain": domain_types, primary: TYPES[primary]}
    if primary == "KeygenVerification":
        types["KeyDigest"] = TYPES["KeyDigest"]
    return {"types": types, "primaryType": primary, "domain": domain,
            "message": convert(case["message"], primary)}


def answer(case):
    signable = encode_typed_data(full_message=typed_data(case))
    result = {"digest": "0x" + keccak(b"\x19" + signable.version + signable.header + signable.body).hex()}
    if "privateKey" in case:
        result["signature"] = "0x" + bytes(Account.sign_message(signable, from_hex(case["privateKey"])).signature).hex()
    if "signature" in case:
        result["recovered"] = Account.recover_message(signable, signature=from_hex(case["signature"]))
    oracle = Account.create()
    result["oracleSignature"] = "0x" + bytes(Account.sign_message(signable, oracle.key).signature).hex()
    result["oracleAddress"] = oracle.address
    return result


def main():
    request = json.load(sys.stdin)
    json.dump({"results": [answer(case) for case in request["cases"]]}, sys.stdout)


if __name__ == "__main__":
    main()
