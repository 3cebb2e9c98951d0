#!/usr/bin/env python3
"""Fills a Sesame SQLite database for the load benchmark.

* `--keys N` stores N keys that are never presented (a dummy hash): they make
  the tables and indexes as large as a big installation's.
* `--tokens M --tokens-out FILE` stores M real keys, hashed with argon2id at
  the given (cheap) parameters, and writes their plaintext tokens to FILE,
  one per line, so a client can verify M distinct keys. With
  `--hmac-pepper PEPPER` they are hashed with the `hmac-sha256` scheme
  instead (docs/decisions/0009-hash-schemes.md), under that pepper.

Tokens follow crates/domain/src/token.rs: `sk_live_` + base58(16-byte lookup
id | 32-byte secret | CRC-32 big-endian over prefix, lookup and secret).
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import json
import multiprocessing
import os
import sqlite3
import uuid
import zlib

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def base58(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = ALPHABET[r] + out
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + out


def token(lookup: bytes, secret: bytes) -> str:
    prefix = b"sk_live_"
    crc = zlib.crc32(prefix + lookup + secret).to_bytes(4, "big")
    return prefix.decode() + base58(lookup + secret + crc)


def uuid7() -> str:
    ms = int(datetime.datetime.now(datetime.timezone.utc).timestamp() * 1000)
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms << 80) | (0x7 << 76) | ((rand >> 68) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


KEY_COLUMNS = (
    "id, organization_id, label, description, scopes, ip_allow_list, metadata, expires_at, environment, kind, "
    "created_by, created_at, updated_at, revoked_at, key_prefix, total_requests, last_used_at, last_used_ip, "
    "last_used_user_agent"
)


def hmac_sha256_hash(pepper: bytes):
    """What `HmacSha256SecretHasher::hash_now` stores (crates/crypto)."""
    pepper_id = hmac.new(pepper, b"sesame pepper id v1", hashlib.sha256).digest()[:8].hex()

    def hash_of(secret: bytes) -> str:
        digest = hmac.new(pepper, secret, hashlib.sha256).digest()
        return f"$hmac-sha256$k={pepper_id}$" + base64.b64encode(digest).decode().rstrip("=")

    return hash_of


_HASHER = None


def _argon2_hash(args):
    global _HASHER
    params, secret = args
    if _HASHER is None:
        from argon2 import PasswordHasher, Type  # pip install argon2-cffi

        m, t, p = params
        _HASHER = PasswordHasher(time_cost=t, memory_cost=m, parallelism=p, hash_len=32, salt_len=16, type=Type.ID)
    return _HASHER.hash(secret)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--keys", type=int, default=0)
    ap.add_argument("--tokens", type=int, default=0)
    ap.add_argument("--tokens-out")
    ap.add_argument("--argon2", default="8,1,1", help="memory KiB, iterations, parallelism for --tokens")
    ap.add_argument("--hmac-pepper", help="hash --tokens with hmac-sha256 under this pepper instead")
    args = ap.parse_args()

    db = sqlite3.connect(args.db)
    org = db.execute("SELECT id FROM organizations ORDER BY id LIMIT 1").fetchone()[0]
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    dummy_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$ZHVtbXlkdW1teWR1bW15ZHVtbXlkdW1teWR1bW15"

    def rows(count, hash_of, hash_all=None):
        drawn = [(os.urandom(16), os.urandom(32)) for _ in range(count)]
        hashes = hash_all([secret for _, secret in drawn]) if hash_all else [hash_of(s) for _, s in drawn]
        for (lookup, secret), hashed in zip(drawn, hashes):
            key_id = "api_key_" + uuid7()
            tok = token(lookup, secret)
            key = (key_id, org, "bench key", "", '["products.read"]', "[]", "{}", None, "live", "secret",
                   "system:bench", now, None, None, tok[:14], 0, None, None, None)
            yield key, (lookup.hex(), key_id, hashed, now, None), tok

    def insert(count, hash_of, out=None, hash_all=None):
        keys, secrets = [], []
        for key, sec, tok in rows(count, hash_of, hash_all):
            keys.append(key)
            secrets.append(sec)
            if out:
                out.write(tok + "\n")
            if len(keys) == 10_000:
                flush(keys, secrets)
        flush(keys, secrets)

    def flush(keys, secrets):
        # Columns named, so that columns added by later migrations keep their defaults.
        db.executemany(f"INSERT INTO api_keys ({KEY_COLUMNS}) VALUES (" + ",".join("?" * 19) + ")", keys)
        db.executemany("INSERT INTO api_key_secrets VALUES (?,?,?,?,?)", secrets)
        keys.clear()
        secrets.clear()

    if args.keys:
        insert(args.keys, lambda _secret: dummy_hash)
    if args.tokens and args.hmac_pepper:
        with open(args.tokens_out, "w") as out:
            insert(args.tokens, hmac_sha256_hash(args.hmac_pepper.encode()), out)
    elif args.tokens:
        params = tuple(int(x) for x in args.argon2.split(","))
        # argon2id at real parameters is slow: one process per core.
        with multiprocessing.Pool() as pool, open(args.tokens_out, "w") as out:
            hash_all = lambda secrets: pool.map(_argon2_hash, [(params, s) for s in secrets], chunksize=64)
            insert(args.tokens, None, out, hash_all)
    db.commit()
    total = db.execute("SELECT COUNT(*) FROM api_keys").fetchone()[0]
    print(json.dumps({"organization_id": org, "keys_stored": total}))


if __name__ == "__main__":
    main()
