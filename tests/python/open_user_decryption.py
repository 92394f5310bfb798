#!/usr/bin/env python3
"""User decryption checked with code that is not ours (issue 12): X-Wing from kyber-py (ML-KEM-768) and
`cryptography` (X25519), the RFC 9180 HPKE key schedule written here, eth-account for the EIP-712 signatures,
eth-keys for the cores' signatures inside the shares, and galois for the reconstruction over GF(p).

  open_user_decryption.py keygen KEY.json   -> writes a fresh X-Wing key pair, prints the public key (hex)
  open_user_decryption.py open KEY.json     <- JSON on stdin (see `main`), prints one value per ciphertext (lower-case hex, no 0x)

Format (docs/DECRYPTION.md "User decryption"): each core's share of a ciphertext is enc (1120 bytes) || HPKE
ciphertext; the HPKE suite is X-Wing (0x647a) / HKDF-SHA256 / AES-256-GCM in base mode, info
"threshold-kms user decryption v1", aad = request id || party id (u32 BE) || address || handle || SHA3-256(key).
The plaintext is version (1) || party (u32 BE) || degree (u32 BE) || count (u32 BE) || count x u64 LE || 65-byte
signature over Keccak-256("threshold-kms/user-decryption-share/v1" || aad || the bytes before the signature).
"""
import hashlib
import hmac
import json
import sys

import galois
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives import serialization
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_hash.auto import keccak
from eth_keys import keys
from kyber_py.ml_kem import ML_KEM_768

P = 2**64 - 2**32 + 1
XWING_LABEL = bytes([0x5C, 0x2E, 0x2F, 0x2F, 0x5E, 0x5C])
SUITE_ID = b"HPKE" + (0x647A).to_bytes(2, "big") + (0x0001).to_bytes(2, "big") + (0x0002).to_bytes(2, "big")
INFO = b"threshold-kms user decryption v1"


def raw(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def keygen(path: str) -> None:
    ek, dk = ML_KEM_768.keygen()
    x_secret = X25519PrivateKey.generate()
    x_secret_bytes = x_secret.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    public = ek + raw(x_secret.public_key())
    with open(path, "w") as f:
        json.dump({"public_key": public.hex(), "mlkem_dk": dk.hex(), "x25519_sk": x_secret_bytes.hex()}, f)
    print(public.hex())


def xwing_decapsulate(key: dict, enc: bytes) -> bytes:
    """draft-connolly-cfrg-xwing-kem: SHA3-256(ss_M || ss_X || ct_X || pk_X || label)."""
    ct_m, ct_x = enc[:1088], enc[1088:]
    ss_m = ML_KEM_768.decaps(bytes.fromhex(key["mlkem_dk"]), ct_m)
    x_secret = X25519PrivateKey.from_private_bytes(bytes.fromhex(key["x25519_sk"]))
    ss_x = x_secret.exchange(X25519PublicKey.from_public_bytes(ct_x))
    return hashlib.sha3_256(ss_m + ss_x + ct_x + raw(x_secret.public_key()) + XWING_LABEL).digest()


def labeled_extract(salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt, b"HPKE-v1" + SUITE_ID + label + ikm, hashlib.sha256).digest()


def labeled_expand(prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    labeled_info = length.to_bytes(2, "big") + b"HPKE-v1" + SUITE_ID + label + info
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + labeled_info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def hpke_open(key: dict, sealed: bytes, aad: bytes) -> bytes:
    """RFC 9180 §5.1 key schedule, mode_base, first message (sequence number 0)."""
    enc, ciphertext = sealed[:1120], sealed[1120:]
    shared_secret = xwing_decapsulate(key, enc)
    context = b"\x00" + labeled_extract(b"", b"psk_id_hash", b"") + labeled_extract(b"", b"info_hash", INFO)
    secret = labeled_extract(shared_secret, b"secret", b"")
    aead_key = labeled_expand(secret, b"key", context, 32)
    nonce = labeled_expand(secret, b"base_nonce", context, 12)
    return AESGCM(aead_key).decrypt(nonce, ciphertext, aad)


def recover(digest: bytes, signature: bytes) -> str:
    v = signature[64] - 27
    return keys.Signature(signature_bytes=signature[:64] + bytes([v])).recover_public_key_from_msg_hash(digest).to_checksum_address()


def eip712_signer(request: dict, core: dict, public_key: bytes) -> str:
    domain = request["domain"]
    shares = b"".join(len(bytes.fromhex(s)).to_bytes(4, "big") + bytes.fromhex(s) for s in core["shares"])
    message = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "UserDecryptResponseVerification": [
                {"name": "publicKey", "type": "bytes"},
                {"name": "ctHandles", "type": "bytes32[]"},
                {"name": "userDecryptedShare", "type": "bytes"},
                {"name": "extraData", "type": "bytes"},
            ],
        },
        "primaryType": "UserDecryptResponseVerification",
        "domain": {
            "name": domain["name"],
            "version": domain["version"],
            "chainId": int(domain["chainId"]),
            "verifyingContract": domain["verifyingContract"],
        },
        "message": {
            "publicKey": public_key,
            "ctHandles": [bytes.fromhex(h) for h in request["handles"]],
            "userDecryptedShare": shares,
            "extraData": bytes.fromhex(request.get("extra_data", "")),
        },
    }
    return Account.recover_message(encode_typed_data(full_message=message), signature=bytes.fromhex(core["external_signature"]))


def open_all(key_path: str) -> None:
    """stdin: {"request_id", "address", "domain", "handles", "types_bits", "threshold", "extra_data",
    "cores": [{"party_id", "signer", "shares": [hex per ciphertext], "external_signature"}]}."""
    with open(key_path) as f:
        key = json.load(f)
    request = json.load(sys.stdin)
    public_key = bytes.fromhex(key["public_key"])
    request_id, address = bytes.fromhex(request["request_id"]), bytes.fromhex(request["address"][2:])
    t = request["threshold"]
    GF = galois.GF(P)
    shares_by_ciphertext = [dict() for _ in request["handles"]]
    for core in request["cores"]:
        party, signer = core["party_id"], core["signer"]
        recovered = eip712_signer(request, core, public_key)
        if recovered.lower() != signer.lower():
            sys.exit(f"core {party}: UserDecryptResponseVerification recovers {recovered}, not {signer}")
        for index, (handle, sealed) in enumerate(zip(request["handles"], core["shares"])):
            aad = request_id + party.to_bytes(4, "big") + address + bytes.fromhex(handle) + hashlib.sha3_256(public_key).digest()
            plain = hpke_open(key, bytes.fromhex(sealed), aad)
            body, signature = plain[:-65], plain[-65:]
            version, share_party = body[0], int.from_bytes(body[1:5], "big")
            degree, count = int.from_bytes(body[5:9], "big"), int.from_bytes(body[9:13], "big")
            if version != 1 or share_party != party or degree != t or len(body) != 13 + 8 * count:
                sys.exit(f"core {party}: malformed share {index}")
            digest = keccak(b"threshold-kms/user-decryption-share/v1" + aad + body)
            if recover(digest, signature).lower() != signer.lower():
                sys.exit(f"core {party}: the signature inside share {index} is not the core's")
            shares_by_ciphertext[index][party] = [int.from_bytes(body[13 + 8 * i:21 + 8 * i], "little") for i in range(count)]
    for index, by_party in enumerate(shares_by_ciphertext):
        parties = sorted(by_party)
        if len(parties) < 2 * t + 1:
            sys.exit(f"ciphertext {index}: {len(parties)} shares, {2 * t + 1} needed")
        count = len(by_party[parties[0]])
        value = 0
        for block in range(count):
            xs = GF(parties[: t + 1])
            polynomial = galois.lagrange_poly(xs, GF([by_party[p][block] for p in parties[: t + 1]]))
            for p in parties:  # every share lies on the degree-t polynomial (all cores are honest here)
                if int(polynomial(GF(p))) != by_party[p][block]:
                    sys.exit(f"ciphertext {index}, block {block}: core {p}'s share is off the polynomial")
            # The shares are of y = message + 16·q with a masked q: y read as a signed integer, mod 16.
            y = int(polynomial(GF(0)))
            signed = y if y <= P // 2 else y - P
            if abs(signed) > P // 4:  # ThresholdDecryptionPlan.outputLimit
                sys.exit(f"ciphertext {index}, block {block}: decoded {y}, no output of the protocol")
            message = signed % 16
            value |= (message % 4) << (2 * block)
        print(format(value & ((1 << request["types_bits"][index]) - 1), "x"))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "keygen":
        keygen(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "open":
        open_all(sys.argv[2])
    else:
        sys.exit(__doc__)
