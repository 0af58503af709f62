#!/usr/bin/env python3
"""Checks a Jejak disclosure (`jejak disclose`) with Python's standard library alone.

    python3 Tools/verify-disclosure.py 812.disclosure.json [--origin ORIGIN]

It checks that
  1. the disclosed content matches the commitment the signed event carries:
     HMAC-SHA-256(key, canonical JSON of the content) == data.sealed.commitment, the canonical
     JSON being RFC 8785's (sorted members, compact, strings escaped as JSON requires);
  2. the event is the receipt's (the same event id and log index);
  3. the receipt's inclusion proof (RFC 9162) binds the disclosed leaf to the checkpoint's root
     hash, and the checkpoint names ORIGIN when given.

It does not check the checkpoint's Ed25519 signatures (Python's standard library has no
Ed25519): `jejak verify-disclosure FILE --policy POLICY` (or `jejak-verify disclosure`) checks
them with the ledger's policy. Exit code 0: valid as far as checked; 1: invalid (the message
says which check failed).
"""
import base64
import hashlib
import hmac
import json
import sys


def fail(message):
    print("invalid: " + message)
    sys.exit(1)


def canonical(value):
    """RFC 8785 for the values Jejak commits to: strings, integers, arrays and objects."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def leaf_hash(leaf):
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index, size, leaf, path):
    """RFC 9162 section 2.1.3.2: the root an inclusion proof gives."""
    if index >= size:
        fail(f"the receipt's index {index} is not below the checkpoint's size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            fail("the inclusion proof is longer than the tree allows")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        fail("the inclusion proof is shorter than the tree needs")
    return r


def parse_receipt(text):
    lines = text.split("\n")
    if not lines or lines[0] != "c2sp.org/tlog-proof@v1":
        fail("the receipt is not a c2sp.org/tlog-proof@v1")
    k = 1
    if lines[k].startswith("extra "):
        k += 1
    if not lines[k].startswith("index "):
        fail("the receipt has no index line")
    index = int(lines[k][len("index "):])
    k += 1
    path = []
    while lines[k] != "":
        path.append(base64.b64decode(lines[k], validate=True))
        k += 1
    checkpoint = lines[k + 1:]
    if len(checkpoint) < 3:
        fail("the receipt's checkpoint is cut short")
    origin, size, root = checkpoint[0], int(checkpoint[1]), base64.b64decode(checkpoint[2], validate=True)
    return index, path, origin, size, root


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 64
    origin_wanted = None
    if "--origin" in argv:
        origin_wanted = argv[argv.index("--origin") + 1]
    with open(argv[1], "rb") as f:
        doc = json.loads(f.read().decode("utf-8"))
    if doc.get("type") != "jejak.disclosure.v1":
        fail('the file is not a disclosure ("type": "jejak.disclosure.v1")')
    leaf = base64.b64decode(doc["leaf"], validate=True)
    key = base64.b64decode(doc["key"], validate=True)
    content = doc["content"]

    entry = json.loads(leaf.decode("utf-8"))
    envelope = entry["envelope"]
    event = json.loads(base64.b64decode(envelope["payload"], validate=True).decode("utf-8"))
    sealed = (event.get("data") or {}).get("sealed")
    if not isinstance(sealed, dict) or "commitment" not in sealed:
        fail(f"entry {doc['index']} carries no sealed content")

    tag = hmac.new(key, canonical(content), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(tag, sealed["commitment"]):
        fail("the disclosed content does not match the commitment the event signed: it is not what was sealed")

    if event.get("id") != doc.get("eventId"):
        fail(f"the disclosed event is {event.get('id')!r}, not the receipt's {doc.get('eventId')!r}")
    index, path, origin, size, root = parse_receipt(doc["receipt"])
    if index != doc["index"]:
        fail(f"the receipt is for entry {index}, not the disclosed entry {doc['index']}")
    if root_from_inclusion(index, size, leaf_hash(leaf), path) != root:
        fail("the inclusion proof does not bind the disclosed leaf to the checkpoint's root")
    if origin_wanted is not None and origin != origin_wanted:
        fail(f"the checkpoint is of {origin!r}, not {origin_wanted!r}")

    print(f"valid: entry {index} ({event.get('type')}, from {event.get('source')}) is included in "
          f"{origin} at size {size}, and the disclosed content is what it sealed "
          f"(checkpoint signatures not checked here: use jejak verify-disclosure with the policy)")
    print(json.dumps(content, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
