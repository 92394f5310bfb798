#!/usr/bin/env python3
"""AWS KMS's attested-Decrypt answer, made with code we did not write (openssl cms, cbor2), for the vault tests.

moto's KMS accepts a Decrypt `Recipient` but ignores it and answers with the plaintext. Real KMS instead answers
with `CiphertextForRecipient`: a BER CMS EnvelopedData for the RSA public key in the attestation document
(RSAES-OAEP-SHA-256 key transport, AES-256-CBC content). This script supplies that part:

  envelope --public-key-der F --in PLAIN --out ENV [--definite] [--content-cipher C] [--oaep-md MD]
      writes a CMS envelope of PLAIN for the DER SubjectPublicKeyInfo in F with `openssl cms -encrypt`
      (indefinite-length BER like KMS unless --definite).
  proxy --upstream URL [--require-pcr0 HEX]
      serves on 127.0.0.1 (port printed as "LISTENING <port>"), forwards every request to URL (moto), and turns
      a Decrypt carrying `Recipient` into KMS's answer: the attestation document's payload is decoded with cbor2,
      PCR0 is checked if required (like a key policy's kms:RecipientAttestation:PCR0 condition, answering
      AccessDeniedException), moto decrypts without the Recipient, and its plaintext is sealed to the document's
      public_key as above. The document's signature is not checked here (the vault checks it before sending).
"""
import argparse
import base64
import http.server
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

import cbor2


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def make_envelope(public_key_der: bytes, plaintext: bytes, definite=False, content_cipher="aes-256-cbc",
                  oaep_md="sha256") -> bytes:
    with tempfile.TemporaryDirectory(prefix="kms-recipient-") as d:
        p = lambda name: os.path.join(d, name)
        with open(p("pub.der"), "wb") as f:
            f.write(public_key_der)
        with open(p("plain.bin"), "wb") as f:
            f.write(plaintext)
        with open(p("ext.cnf"), "w") as f:
            f.write("subjectKeyIdentifier=hash\n")
        run("openssl", "pkey", "-pubin", "-inform", "DER", "-in", p("pub.der"), "-out", p("pub.pem"))
        run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", p("ca.key"))
        run("openssl", "req", "-new", "-x509", "-key", p("ca.key"), "-subj", "/CN=test recipient CA", "-days", "1",
            "-out", p("ca.pem"))
        run("openssl", "req", "-new", "-key", p("ca.key"), "-subj", "/CN=enclave recipient", "-out", p("r.csr"))
        run("openssl", "x509", "-req", "-in", p("r.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"),
            "-CAcreateserial", "-force_pubkey", p("pub.pem"), "-extfile", p("ext.cnf"), "-days", "1",
            "-out", p("recipient.pem"))
        args = ["openssl", "cms", "-encrypt", "-binary", "-in", p("plain.bin"), "-recip", p("recipient.pem"),
                "-keyid", f"-{content_cipher}", "-outform", "DER", "-out", p("env.der")]
        if oaep_md != "pkcs1":
            args += ["-keyopt", "rsa_padding_mode:oaep", "-keyopt", f"rsa_oaep_md:{oaep_md}"]
        if not definite:
            args.append("-stream")
        run(*args)
        with open(p("env.der"), "rb") as f:
            return f.read()


def attested_public_key_and_pcr0(document_b64: str):
    sign1 = cbor2.loads(base64.b64decode(document_b64))
    if isinstance(sign1, cbor2.CBORTag):
        sign1 = sign1.value
    payload = cbor2.loads(sign1[2])
    return payload.get("public_key"), payload.get("pcrs", {}).get(0)


def serve(upstream: str, require_pcr0):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, status, body: bytes, content_type="application/x-amz-json-1.1"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def forward(self, body: bytes):
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("content-length", "host")}
            request = urllib.request.Request(upstream + self.path, data=body, method="POST", headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return response.status, response.read(), response.headers.get("Content-Type", "")
            except urllib.error.HTTPError as error:
                return error.code, error.read(), error.headers.get("Content-Type", "")

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            target = self.headers.get("X-Amz-Target", "")
            request = json.loads(body) if target == "TrentService.Decrypt" else None
            recipient = request.pop("Recipient", None) if request else None
            if recipient is None:
                self.answer(*self.forward(body))
                return
            public_key, pcr0 = attested_public_key_and_pcr0(recipient["AttestationDocument"])
            if require_pcr0 is not None and pcr0 != require_pcr0:
                self.answer(400, json.dumps({"__type": "AccessDeniedException",
                                             "message": "attestation PCR0 does not satisfy the key policy"}).encode())
                return
            status, answer, content_type = self.forward(json.dumps(request).encode())
            if status != 200:
                self.answer(status, answer, content_type)
                return
            decoded = json.loads(answer)
            plaintext = base64.b64decode(decoded.pop("Plaintext"))
            decoded["CiphertextForRecipient"] = base64.b64encode(make_envelope(public_key, plaintext)).decode()
            self.answer(200, json.dumps(decoded).encode())

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"LISTENING {server.server_address[1]}", flush=True)
    server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    envelope = commands.add_parser("envelope")
    envelope.add_argument("--public-key-der", required=True)
    envelope.add_argument("--in", dest="input", required=True)
    envelope.add_argument("--out", required=True)
    envelope.add_argument("--definite", action="store_true")
    envelope.add_argument("--content-cipher", default="aes-256-cbc")
    envelope.add_argument("--oaep-md", default="sha256", help="sha256, sha1, or pkcs1 for PKCS #1 v1.5")
    proxy = commands.add_parser("proxy")
    proxy.add_argument("--upstream", required=True)
    proxy.add_argument("--require-pcr0")
    args = parser.parse_args()
    if args.command == "envelope":
        with open(args.public_key_der, "rb") as f:
            public_key = f.read()
        with open(args.input, "rb") as f:
            plaintext = f.read()
        try:
            result = make_envelope(public_key, plaintext, args.definite, args.content_cipher, args.oaep_md)
        except subprocess.CalledProcessError as error:
            sys.exit(f"openssl failed: {error.stderr.decode(errors='replace')}")
        with open(args.out, "wb") as f:
            f.write(result)
    else:
        serve(args.upstream.rstrip("/"), bytes.fromhex(args.require_pcr0) if args.require_pcr0 else None)


if __name__ == "__main__":
    main()
