#!/usr/bin/env python3
"""Verify a Jejak export (a C2SP tlog-tiles directory written by `jejak export`) independently.

    python3 Tools/verify-export.py EXPORT_DIR --policy POLICY_FILE --authority VKEY_OR_FILE
    python3 Tools/verify-export.py --url http://HOST:PORT --policy POLICY_FILE --authority VKEY_OR_FILE

With --url, the same files are fetched from a live `jejak serve` server (its tlog-tiles paths,
urllib from the standard library) instead of read from a directory.

This program shares no code with Jejak: it uses the Python 3 standard library only (hashlib,
base64, json) and an Ed25519 verifier transcribed from the reference code of RFC 8032 §6, so an
auditor who reads it (about 640 lines) needs to trust neither the Jejak binary nor its Swift
sources. It checks, in order:

 1. the checkpoint (`EXPORT_DIR/checkpoint`): a C2SP signed note whose text is a tlog-checkpoint;
    a valid Ed25519 signature by a log of the tlog-policy file whose key name is the origin
    (a signature line counts for a key only if its name and 4-byte key id both match, the key id
    being SHA-256(name || 0x0A || type || public key)[:4]); and enough tlog-cosignature/v1
    cosignatures of the policy's witnesses for its quorum;
 2. the entry bundles (`tile/entries/...`): every entry of the checkpoint's tree size, each hashed
    as an RFC 9162 leaf, SHA-256(0x00 || leaf); the Merkle tree hash of all of them must equal the
    checkpoint's root hash; the hash tiles (`tile/<L>/...`) must hold the same hashes;
 3. every entry: the leaf shape {"appended":"<RFC 3339 ms Z>","envelope":<DSSE>}, appended times
    that never go back, a DSSE envelope of type application/cloudevents+json with exactly one
    signature, a CloudEvent payload with a unique id, and the Ed25519 signature over the DSSE PAE
    made with the key that the registry -- replayed from this very log under the authority key you
    pin with --authority -- had active at that entry: a key is valid strictly after the entry that
    added it and strictly before the entry that revoked it.

It does not re-validate the events' JSON Schemas or the exchange and audit rules (`jejak verify`
does). It prints each problem found and a verdict, and exits 0 when the export verifies, 1 when it
does not (2 for a wrong command line). Pure-Python Ed25519 is slow (a few milliseconds per
signature): fine for audits of thousands of entries, patient for millions.
"""

import argparse
import base64
import gzip
import hashlib
import json
import os
import re
import struct
import sys
import urllib.error
import urllib.request

# ---------------------------------------------------------------------------------------------
# Ed25519 verification: RFC 8032, section 6 (reference implementation), verification only.
# ---------------------------------------------------------------------------------------------

P = 2**255 - 19
Q = 2**252 + 27742317777372353535851937790883648493


def _inv(x):
    return pow(x, P - 2, P)


D = -121665 * _inv(121666) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _sha512_modq(data):
    return int.from_bytes(hashlib.sha512(data).digest(), "little") % Q


def _point_add(p1, p2):
    # Extended homogeneous coordinates (X, Y, Z, T), x = X/Z, y = Y/Z, x*y = T/Z.
    a = (p1[1] - p1[0]) * (p2[1] - p2[0]) % P
    b = (p1[1] + p1[0]) * (p2[1] + p2[0]) % P
    c = 2 * p1[3] * p2[3] * D % P
    d = 2 * p1[2] * p2[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f, g * h, f * g, e * h)


def _point_mul(s, point):
    result = (0, 1, 1, 0)  # the neutral element
    while s > 0:
        if s & 1:
            result = _point_add(result, point)
        point = _point_add(point, point)
        s >>= 1
    return result


def _point_equal(p1, p2):
    if (p1[0] * p2[2] - p2[0] * p1[2]) % P != 0:
        return False
    if (p1[1] * p2[2] - p2[1] * p1[2]) % P != 0:
        return False
    return True


def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * _inv(D * y * y + 1)
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


_G_Y = 4 * _inv(5) % P
_G_X = _recover_x(_G_Y, 0)
G = (_G_X, _G_Y, 1, _G_X * _G_Y % P)
NEUTRAL = (0, 1, 1, 0)


def _point_decompress(s):
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def ed25519_verify(public, message, signature):
    """RFC 8032 §5.1.7 verification (cofactorless, as the reference code). Like libsodium, which
    Jejak uses, it also refuses public keys and R values of small order."""
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _point_decompress(public)
    if a is None or _point_equal(_point_mul(8, a), NEUTRAL):
        return False
    r_bytes = signature[:32]
    r = _point_decompress(r_bytes)
    if r is None or _point_equal(_point_mul(8, r), NEUTRAL):
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= Q:
        return False
    h = _sha512_modq(r_bytes + public + message)
    return _point_equal(_point_mul(s, G), _point_add(r, _point_mul(h, a)))


def _self_test():
    """RFC 8032 §7.1, TEST 1 and TEST 2: a broken verifier must not get to say 'verified'."""
    pub = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    sig = bytes.fromhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
    pub2 = bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
    sig2 = bytes.fromhex("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                         "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")
    ok = ed25519_verify(pub, b"", sig) and ed25519_verify(pub2, b"\x72", sig2)
    bad = ed25519_verify(pub, b"x", sig) or ed25519_verify(pub2, b"\x73", sig2)
    if not ok or bad:
        raise SystemExit("internal error: the Ed25519 self-test (RFC 8032 §7.1) failed")


# ---------------------------------------------------------------------------------------------
# Keys, signed notes, checkpoints, policies.
# ---------------------------------------------------------------------------------------------

ED25519, COSIGNATURE_V1 = 0x01, 0x04


class Problem(Exception):
    pass


def b64decode_strict(text):
    """Standard, padded, canonical base64 (as signed-note and vkeys require)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except Exception:
        raise Problem("not valid base64: %r" % text[:60])
    if base64.b64encode(raw).decode("ascii") != text:
        raise Problem("not canonical base64: %r" % text[:60])
    return raw


def key_id(name, key_type, public):
    """The signed-note key id: the first 4 bytes of SHA-256(name || 0x0A || type || key)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([key_type]) + public).digest()[:4]


class VKey:
    """A C2SP vkey: <name>+<8 hex key id>+<base64(type || 32-byte public key)>."""

    def __init__(self, text):
        # Nothing of a text that is not a vkey is quoted: it could be a private key given by mistake.
        if looks_private(text):
            raise Problem("a private key was given where a vkey belongs (nothing of it is shown)")
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise Problem("not a vkey (name+keyid+key)")
        self.name, hex_id, material = parts
        if not self.name or any(c.isspace() for c in self.name):
            raise Problem("a vkey with an invalid name")
        raw = b64decode_strict(material)
        if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
            raise Problem("vkey %s: not an Ed25519 (0x01) or cosignature (0x04) key" % self.name)
        self.type, self.public = raw[0], raw[1:]
        self.id = key_id(self.name, self.type, self.public)
        if self.id.hex() != hex_id:
            raise Problem("vkey %s+%s: the key id should be %s" % (self.name, hex_id, self.id.hex()))
        self.text = text.strip()

    @property
    def hint(self):
        return "%s+%s" % (self.name, self.id.hex())


def parse_signed_note(data):
    """Splits a C2SP signed note into its text (up to and with the newline before the blank line)
    and its signature lines [(name, key id, signature bytes)]."""
    try:
        note = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem("the checkpoint is not UTF-8")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise Problem("the checkpoint is not a signed note (no blank line before the signatures)")
    text, lines = note[:split + 1], note[split + 2:-1].split("\n")
    signatures = []
    for line in lines:
        if not line.startswith("\u2014 "):
            raise Problem("a signature line does not start with an em dash and a space: %r" % line[:60])
        name, _, b64 = line[2:].partition(" ")
        raw = b64decode_strict(b64)
        if len(raw) < 5:
            raise Problem("a signature line is too short")
        signatures.append((name, raw[:4], raw[4:]))
    return text, signatures


def parse_checkpoint_text(text):
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not re.fullmatch(r"0|[1-9][0-9]*", lines[1]):
        raise Problem("the checkpoint text is not origin, size and root hash lines")
    root = b64decode_strict(lines[2])
    if len(root) != 32:
        raise Problem("the checkpoint's root hash is not 32 bytes")
    return lines[0], int(lines[1]), root


def looks_private(text):
    """Whether a line of text starts like a private key (a signed-note key or an age identity)."""
    return any(line.lstrip(" \t").startswith(("PRIVATE+KEY+", "AGE-SECRET-KEY-")) for line in text.split("\n"))


class Policy:
    """A C2SP tlog-policy: log lines, witness lines, groups and one quorum."""

    def __init__(self, text):
        if looks_private(text):
            raise Problem("the policy file holds a private key, not a tlog-policy (nothing of it is shown)")
        self.logs, self.witnesses, self.groups, self.quorum = [], {}, {}, None
        for number, raw in enumerate(text.split("\n"), 1):
            words = raw.split()
            if not words or words[0].startswith("#"):
                continue
            kind, args = words[0], words[1:]
            if kind == "log" and args:
                self.logs.append(VKey(args[0]))
            elif kind == "witness" and len(args) >= 2:
                self.witnesses[args[0]] = VKey(args[1])
            elif kind == "group" and len(args) >= 3:
                members = args[2:]
                k = {"all": len(members), "any": 1}.get(args[1])
                if k is None:
                    k = int(args[1]) if re.fullmatch(r"[1-9][0-9]*", args[1]) else 0
                if not 1 <= k <= len(members) or any(m not in self.witnesses and m not in self.groups for m in members):
                    raise Problem("policy line %d: a group needs 1 <= k <= n members defined above" % number)
                self.groups[args[0]] = (k, members)
            elif kind == "quorum" and len(args) == 1 and self.quorum is None:
                if args[0] != "none" and args[0] not in self.witnesses and args[0] not in self.groups:
                    raise Problem("policy line %d: the quorum names nothing defined above" % number)
                self.quorum = args[0]
            else:
                raise Problem("policy line %d is not a log, witness, group or the one quorum line" % number)
        if self.quorum is None:
            raise Problem("the policy has no quorum line")

    def satisfied(self, name, cosigned):
        if name == "none":
            return True
        if name in self.witnesses:
            return name in cosigned
        k, members = self.groups[name]
        return sum(1 for m in members if self.satisfied(m, cosigned)) >= k


def verify_checkpoint(data, policy, report):
    """Returns (origin, size, root, log key) once the log's signature verifies; records the quorum."""
    text, signatures = parse_signed_note(data)
    origin, size, root = parse_checkpoint_text(text)
    message = text.encode("utf-8")
    logs = [k for k in policy.logs if k.name == origin and k.type == ED25519]
    if not logs:
        raise Problem("the policy has no Ed25519 log key named %s (the checkpoint's origin)" % origin)
    signed_by = None
    for name, kid, sig in signatures:
        for key in logs:
            if name == key.name and kid == key.id:
                if not ed25519_verify(key.public, message, sig):
                    raise Problem("the log signature by %s does not verify" % key.hint)
                signed_by = key
    if signed_by is None:
        raise Problem("the checkpoint carries no signature by the policy's log key")
    cosigned = set()
    for wname, key in policy.witnesses.items():
        for name, kid, sig in signatures:
            if name != key.name or kid != key.id:
                continue
            if key.type != COSIGNATURE_V1 or len(sig) != 72:
                report.problem("checkpoint", "the cosignature by witness %s is not a cosignature/v1 signature" % wname)
                continue
            timestamp = struct.unpack(">Q", sig[:8])[0]
            signed = b"cosignature/v1\ntime %d\n" % timestamp + message
            if timestamp >= 2**63 or not ed25519_verify(key.public, signed, sig[8:]):
                report.problem("checkpoint", "the cosignature by witness %s does not verify" % wname)
                continue
            cosigned.add(wname)
    if not policy.satisfied(policy.quorum, cosigned):
        report.problem("checkpoint", "the policy's quorum %s is not met (valid cosignatures: %s)"
                       % (policy.quorum, ", ".join(sorted(cosigned)) or "none"))
    report.facts.append("checkpoint of %s at size %d, signed by %s; cosigned by %s; quorum %s met"
                        % (origin, size, signed_by.hint, ", ".join(sorted(cosigned)) or "no witness",
                           policy.quorum))
    return origin, size, root, signed_by


# ---------------------------------------------------------------------------------------------
# Tiles and the Merkle tree (RFC 9162 §2.1, C2SP tlog-tiles).
# ---------------------------------------------------------------------------------------------

def leaf_hash(leaf):
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_tree_hash(hashes):
    """MTH over leaf hashes, exactly as RFC 9162 §2.1.1 defines it."""
    n = len(hashes)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(merkle_tree_hash(hashes[:k]), merkle_tree_hash(hashes[k:]))


def tile_index_path(index):
    """N as zero-padded 3-digit path elements, all but the last prefixed with x: x001/x234/067."""
    groups = []
    while True:
        groups.append(index % 1000)
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join(("x%03d" if i < len(groups) - 1 else "%03d") % g for i, g in enumerate(groups))


def tiles(count):
    """(index, width, suffix) of the tiles that hold `count` hashes or entries."""
    out = [(i, 256, "") for i in range(count // 256)]
    if count % 256:
        out.append((count // 256, count % 256, ".p/%d" % (count % 256)))
    return out


def read_file(directory, relative):
    """A file of the export: from the directory, or fetched from a live server (--url)."""
    if directory.startswith("http://") or directory.startswith("https://"):
        url = directory.rstrip("/") + "/" + relative
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip, identity",
                                                       "User-Agent": "jejak-verify-export.py"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                data = response.read()
                if response.headers.get("Content-Encoding") == "gzip":
                    data = gzip.decompress(data)
                return data
        except urllib.error.HTTPError as e:
            raise Problem("%s answered %d for %s" % (directory, e.code, relative))
        except (urllib.error.URLError, OSError) as e:
            raise Problem("%s cannot be fetched: %s" % (url, getattr(e, "reason", e)))
    try:
        with open(os.path.join(directory, relative), "rb") as f:
            return f.read()
    except OSError as e:
        raise Problem("%s cannot be read: %s" % (relative, e.strerror))


def read_entries(directory, size, report):
    """The leaves 0..size-1 from the entry bundles (big-endian uint16 length, then the bytes)."""
    leaves = []
    for index, width, suffix in tiles(size):
        path = "tile/entries/" + tile_index_path(index) + suffix
        data = read_file(directory, path)
        offset, bundle = 0, []
        while offset < len(data):
            if offset + 2 > len(data):
                raise Problem("%s is truncated" % path)
            (length,) = struct.unpack(">H", data[offset:offset + 2])
            if offset + 2 + length > len(data):
                raise Problem("%s is truncated" % path)
            bundle.append(data[offset + 2:offset + 2 + length])
            offset += 2 + length
        if len(bundle) != width:
            raise Problem("%s holds %d entries, not %d" % (path, len(bundle), width))
        leaves.extend(bundle)
    report.facts.append("%d entries read from %d entry bundles" % (len(leaves), len(tiles(size))))
    return leaves


def check_hash_tiles(directory, hashes, report):
    """Each hash tile at level L holds the hashes of the perfect subtrees of 256^L leaves."""
    level, nodes, checked = 0, list(hashes), 0
    while nodes:
        for index, width, suffix in tiles(len(nodes)):
            path = "tile/%d/%s%s" % (level, tile_index_path(index), suffix)
            try:
                data = read_file(directory, path)
            except Problem as e:
                report.problem("tiles", str(e))
                continue
            expected = b"".join(nodes[index * 256:index * 256 + width])
            if data != expected:
                report.problem("tiles", "%s does not hold the hashes computed from the entries" % path)
            checked += 1
        for _ in range(8):  # up eight tree levels: the next tile level
            nodes = [node_hash(nodes[i], nodes[i + 1]) for i in range(0, len(nodes) - 1, 2)]
        level += 1
    report.facts.append("%d hash tiles match the entries" % checked)


# ---------------------------------------------------------------------------------------------
# Entries, events and the registry.
# ---------------------------------------------------------------------------------------------

PAYLOAD_TYPE = "application/cloudevents+json"
REGISTRY = "id.go.kpu.jejak.registry."
GENESIS = "id.go.kpu.jejak.ledger.genesis.v1"
UNIT_REGISTERED = REGISTRY + "unit-registered.v1"
KEY_ADDED = REGISTRY + "key-added.v1"
KEY_REVOKED = REGISTRY + "key-revoked.v1"
RECIPIENT_ADDED = REGISTRY + "recipient-added.v1"
RECIPIENT_REVOKED = REGISTRY + "recipient-revoked.v1"
REGISTRY_TYPES = {GENESIS, UNIT_REGISTERED, KEY_ADDED, KEY_REVOKED, RECIPIENT_ADDED, RECIPIENT_REVOKED}
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def age_recipient(text):
    """An age X25519 recipient: lower-case Bech32 (BIP 173) with the prefix "age" and 32 bytes."""
    if text != text.lower() or not text.startswith("age1") or any(c not in BECH32 for c in text[4:]) or len(text) != 62:
        raise Problem("%r is not an age X25519 recipient (age1…)" % text[:70])
    values = [ord(c) >> 5 for c in "age"] + [0] + [ord(c) & 31 for c in "age"] + [BECH32.index(c) for c in text[4:]]
    checksum = 1
    for v in values:
        top = checksum >> 25
        checksum = (checksum & 0x1ffffff) << 5 ^ v
        for i, g in enumerate((0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3)):
            if top >> i & 1:
                checksum ^= g
    if checksum != 1:
        raise Problem("the recipient %r has a wrong Bech32 checksum" % text[:70])
    return text
STANDARD_ATTRIBUTES = {"specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema", "data"}
ROLES = {"biro", "inspektorat", "pusdatin", "kpu-provinsi", "kpu-kabkota", "external"}
APPENDED = re.compile(rb'\{"appended":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)","envelope":(.*)\}', re.S)
UNIT_ID = re.compile(r"[a-z0-9]([a-z0-9._/-]{0,62}[a-z0-9])?")


def pae(payload_type, payload):
    """DSSE v1 pre-authentication encoding."""
    t = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("a JSON object repeats a member name")
    return dict(pairs)


def b64decode_lenient(text):
    """DSSE allows standard or URL-safe base64, padded or not."""
    text = text.replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


class Registry:
    """Units and their keys, replayed from the log's registry events."""

    def __init__(self, authority):
        self.authority = authority
        self.units = {}  # unit id -> index registered
        self.keys = {}  # hint -> {"unit", "key": VKey, "added", "revoked"}
        self.recipients = {}  # age1… -> {"unit", "added", "revoked"}

    def signing_key(self, source, hint, index):
        if source == self.authority.name:
            if hint != self.authority.hint:
                raise Problem("signed with %s, not the registry authority's key %s" % (hint, self.authority.hint))
            return self.authority
        if source not in self.units:
            raise Problem("the source %r is not a registered unit" % source)
        key = self.keys.get(hint)
        if key is None or key["unit"] != source:
            raise Problem("%s is not a key of unit %r" % (hint, source))
        revoked = key["revoked"]
        # Valid strictly after the entry that added it, strictly before the one that revoked it.
        if not (key["added"] < index and (revoked is None or index < revoked)):
            raise Problem("the key %s of %r is not active at entry %d (added at %d%s)"
                          % (hint, source, index, key["added"], "" if revoked is None else ", revoked at %d" % revoked))
        return key["key"]

    def apply(self, event, index, origin, log_key):
        etype, source = event.get("type"), event.get("source")
        from_authority = source == self.authority.name
        if (etype in REGISTRY_TYPES) != from_authority:
            raise Problem("%s published %s: only the registry authority publishes registry events, and nothing else"
                          % (source, etype))
        if not from_authority:
            return
        data = event.get("data")
        if not isinstance(data, dict):
            raise Problem("a registry event without a data object")

        def field(name):
            value = data.get(name)
            if not isinstance(value, str) or not value:
                raise Problem("the registry event needs a non-empty string %r" % name)
            return value

        def subject(unit):
            if event.get("subject") != "registry/" + unit:
                raise Problem("a registry event about %r belongs to the stream registry/%s" % (unit, unit))

        extensions = [a for a in event if a not in STANDARD_ATTRIBUTES]
        if extensions:
            raise Problem("a registry event carries no extension attributes, and this one has %r" % extensions[0][:40])
        if etype == GENESIS:
            if index != 0:
                raise Problem("a genesis event after entry 0")
            if field("authority") != self.authority.text:
                raise Problem("the genesis names another authority key than the one pinned with --authority")
            if field("origin") != origin:
                raise Problem("the genesis names the origin %r, not the checkpoint's %r" % (data.get("origin"), origin))
            if field("log") != log_key.text:
                raise Problem("the genesis names another log key than the policy's key for %r" % origin)
        elif etype == UNIT_REGISTERED:
            unit = field("unit")
            if not UNIT_ID.fullmatch(unit) or field("role") not in ROLES or not field("name"):
                raise Problem("an invalid unit registration of %r" % unit)
            if unit in self.units:
                raise Problem("the unit %r is registered twice" % unit)
            subject(unit)
            self.units[unit] = index
        elif etype == KEY_ADDED:
            unit, key = field("unit"), VKey(field("key"))
            if unit not in self.units or key.name != unit or key.type != ED25519:
                raise Problem("the key %s cannot be added to %r" % (key.hint, unit))
            if key.hint in self.keys:
                raise Problem("the key %s is added twice" % key.hint)
            # One raw key, one unit, once (not the authority's, not another unit's, not back
            # after it was revoked).
            if key.public == self.authority.public or any(k["key"].public == key.public for k in self.keys.values()):
                raise Problem("the key %s is a public key already used in this registry" % key.hint)
            subject(unit)
            self.keys[key.hint] = {"unit": unit, "key": key, "added": index, "revoked": None}
        elif etype == KEY_REVOKED:
            unit, key = field("unit"), VKey(field("key"))
            known = self.keys.get(key.hint)
            if known is None or known["unit"] != unit or known["key"].public != key.public:
                raise Problem("%s is not a key of %r" % (key.hint, unit))
            if known["revoked"] is not None:
                raise Problem("the key %s is revoked twice" % key.hint)
            subject(unit)
            known["revoked"] = index
        elif etype == RECIPIENT_ADDED:
            unit, recipient = field("unit"), age_recipient(field("recipient"))
            if unit not in self.units:
                raise Problem("a recipient cannot be added to %r: no such unit is registered" % unit)
            # One recipient, one unit, once (not back after it was revoked).
            if recipient in self.recipients:
                raise Problem("the recipient %s is added twice" % recipient)
            subject(unit)
            self.recipients[recipient] = {"unit": unit, "added": index, "revoked": None}
        elif etype == RECIPIENT_REVOKED:
            unit, recipient = field("unit"), age_recipient(field("recipient"))
            known = self.recipients.get(recipient)
            if known is None or known["unit"] != unit:
                raise Problem("%s is not a recipient of %r" % (recipient, unit))
            if known["revoked"] is not None:
                raise Problem("the recipient %s is revoked twice" % recipient)
            subject(unit)
            known["revoked"] = index


def verify_entry(index, leaf, registry, state, origin, log_key, report):
    match = APPENDED.fullmatch(leaf)
    if not match:
        raise Problem("the leaf is not {\"appended\":\"<RFC 3339 ms Z>\",\"envelope\":{...}}")
    appended = match.group(1).decode("ascii")
    if state["appended"] is not None and appended < state["appended"]:
        report.problem(index, "appended %s, before the entry before it (%s)" % (appended, state["appended"]))
    state["appended"] = appended
    try:
        envelope = json.loads(match.group(2), object_pairs_hook=no_duplicates)
        # Only the members DSSE defines: the ledger refuses others rather than drop them.
        if not isinstance(envelope, dict) or set(envelope) != {"payloadType", "payload", "signatures"} or any(
                not isinstance(s, dict) or not set(s) <= {"keyid", "sig"} for s in envelope["signatures"]):
            raise Problem("the envelope has members DSSE does not define")
        payload_type = envelope["payloadType"]
        payload = b64decode_lenient(envelope["payload"])
        signatures = envelope["signatures"]
        if payload_type != PAYLOAD_TYPE:
            raise Problem("the payload type is %r, not %s" % (payload_type, PAYLOAD_TYPE))
        if not isinstance(signatures, list) or len(signatures) != 1:
            raise Problem("the envelope does not carry exactly one signature")
        hint = signatures[0].get("keyid", "")
        sig = b64decode_lenient(signatures[0]["sig"])
        event = json.loads(payload, object_pairs_hook=no_duplicates)
        if "\u0000" in json.dumps(event):
            raise Problem("the event holds the character U+0000")
    except Problem:
        raise
    except Exception as e:
        raise Problem("the envelope or its CloudEvent does not decode: %s" % e)
    if not isinstance(event, dict) or event.get("specversion") != "1.0" or not all(
            isinstance(event.get(a), str) and event.get(a) for a in ("id", "source", "type", "subject")):
        raise Problem("the payload is not a CloudEvent with id, source, type and subject")
    if event["id"] in state["ids"]:
        report.problem(index, "the event id %r is already used by entry %d" % (event["id"], state["ids"][event["id"]]))
    state["ids"].setdefault(event["id"], index)
    if index == 0 and event["type"] != GENESIS:
        raise Problem("entry 0 is not the genesis event")
    # The key the registry had active at this entry, before the entry itself is applied.
    key = registry.signing_key(event["source"], hint, index)
    if not ed25519_verify(key.public, pae(payload_type, payload), sig):
        raise Problem("the signature by %s does not verify" % hint)
    state["signatures"] += 1
    registry.apply(event, index, origin, log_key)


class Report:
    def __init__(self, limit):
        self.problems, self.facts, self.limit = [], [], limit

    def problem(self, where, message):
        self.problems.append((where, message))
        if len(self.problems) <= self.limit:
            label = ("entry %d" % where) if isinstance(where, int) else where
            print("PROBLEM %s: %s" % (label, message))


def main():
    parser = argparse.ArgumentParser(
        description="Verify a Jejak export (C2SP tlog-tiles) with the Python standard library only.",
        epilog="Exit status: 0 verified, 1 not verified, 2 wrong command line.")
    parser.add_argument("export", nargs="?", help="the export directory (holding checkpoint and tile/)")
    parser.add_argument("--url", help="verify a live `jejak serve` server's tiles instead of a directory")
    parser.add_argument("--policy", required=True, help="your copy of the tlog-policy file")
    parser.add_argument("--authority", required=True, help="the registry authority's vkey, or a file holding it")
    parser.add_argument("--max-problems", type=int, default=50, help="print at most this many problems (default 50)")
    args = parser.parse_args()
    if (args.export is None) == (args.url is None):
        parser.error("give an export directory or --url URL")
    source = args.url or args.export
    _self_test()

    report = Report(args.max_problems)
    try:
        with open(args.policy, "r", encoding="utf-8") as f:
            policy = Policy(f.read())
        authority_text = args.authority
        if os.path.isfile(authority_text):
            with open(authority_text, "r", encoding="utf-8") as f:
                authority_text = f.read()
        authority = VKey(authority_text)
        origin, size, root, log_key = verify_checkpoint(read_file(source, "checkpoint"), policy, report)
        leaves = read_entries(source, size, report)
        hashes = [leaf_hash(leaf) for leaf in leaves]
        computed = merkle_tree_hash(hashes)
        if computed != root:
            report.problem("tree", "the entries give the root %s, but the checkpoint was signed for %s"
                           % (base64.b64encode(computed).decode(), base64.b64encode(root).decode()))
        else:
            report.facts.append("the Merkle tree hash of the %d leaf hashes is the checkpoint's root %s"
                                % (size, base64.b64encode(root).decode()))
        check_hash_tiles(source, hashes, report)
        registry = Registry(authority)
        state = {"appended": None, "ids": {}, "signatures": 0}
        for index, leaf in enumerate(leaves):
            try:
                verify_entry(index, leaf, registry, state, origin, log_key, report)
            except Problem as e:
                report.problem(index, str(e))
        report.facts.append("%d event signatures verified with the key the registry had active at their entry "
                            "(%d units, %d keys, %d revoked)"
                            % (state["signatures"], len(registry.units), len(registry.keys),
                               sum(1 for k in registry.keys.values() if k["revoked"] is not None)))
    except (Problem, OSError, UnicodeDecodeError) as e:
        report.problem("export", str(e))

    for fact in report.facts:
        print("ok: " + fact)
    if report.problems:
        hidden = len(report.problems) - report.limit
        if hidden > 0:
            print("... and %d more problems" % hidden)
        print("NOT VERIFIED: %d problem%s" % (len(report.problems), "" if len(report.problems) == 1 else "s"))
        return 1
    print("VERIFIED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
