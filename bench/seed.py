#!/usr/bin/env python3
"""Fills a Sesame SQLite database for the load benchmark.

* `--keys N` stores N keys that are never presented (a dummy hash): they make
  the tables and indexes as large as a big installation's.
* `--tokens M --tokens-out FILE` stores M real keys, hashed with argon2id at
  the given (cheap) parameters, and writes their plaintext tokens to FILE,
  one per line, so a client can verify M distinct keys.

Tokens follow crates/domain/src/token.rs: `sk_live_` + base58(16-byte lookup
id | 32-byte secret | CRC-32 big-endian over prefix, lookup and secret).
"""
import argparse
import datetime
import json
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--keys", type=int, default=0)
    ap.add_argument("--tokens", type=int, default=0)
    ap.add_argument("--tokens-out")
    ap.add_argument("--argon2", default="8,1,1", help="memory KiB, iterations, parallelism for --tokens")
    args = ap.parse_args()

    db = sqlite3.connect(args.db)
    org = db.execute("SELECT id FROM organizations ORDER BY id LIMIT 1").fetchone()[0]
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    dummy_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$ZHVtbXlkdW1teWR1bW15ZHVtbXlkdW1teWR1bW15"

    def rows(count, hash_of):
        for _ in range(count):
            key_id = "api_key_" + uuid7()
            lookup, secret = os.urandom(16), os.urandom(32)
            tok = token(lookup, secret)
            key = (key_id, org, "bench key", "", '["products.read"]', "[]", "{}", None, "live", "secret",
                   "system:bench", now, None, None, tok[:14], 0, None, None, None)
            yield key, (lookup.hex(), key_id, hash_of(secret), now, None), tok

    def insert(count, hash_of, out=None):
        keys, secrets = [], []
        for key, sec, tok in rows(count, hash_of):
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
    if args.tokens:
        from argon2 import PasswordHasher, Type  # pip install argon2-cffi

        m, t, p = (int(x) for x in args.argon2.split(","))
        ph = PasswordHasher(time_cost=t, memory_cost=m, parallelism=p, hash_len=32, salt_len=16, type=Type.ID)
        with open(args.tokens_out, "w") as out:
            insert(args.tokens, lambda secret: ph.hash(secret), out)
    db.commit()
    total = db.execute("SELECT COUNT(*) FROM api_keys").fetchone()[0]
    print(json.dumps({"organization_id": org, "keys_stored": total}))


if __name__ == "__main__":
    main()
