//! The verification hot path, function by function (criterion):
//! token parse + checksum; a cached verify through the application's
//! `Authenticate` use case (no storage, no argon2); one argon2id verify at the
//! default parameters; a cold verify (SQLite lookup + argon2id) for
//! comparison; and the same two for the `hmac-sha256` scheme.
//! `cargo bench -p sesame-server --bench hot_path`.

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use sesame_application::authentication::{Authenticate, FailureLimiter, FailureLimits, VerifiedKeyCache};
use sesame_application::organizations::Bootstrap;
use sesame_application::support::SecretIssuer;
use sesame_application::usage::UsageBuffer;
use sesame_crypto::{
    Argon2Params, Argon2SecretHasher, HashScheme, HmacSha256SecretHasher, OsSecretGenerator, Pepper,
    SchemedSecretHasher,
};
use sesame_domain::ports::{ApiKeyRepository, Clock, SecretGenerator, SecretHasher};
use sesame_domain::{ApiToken, ScopeSet};
use sesame_persistence::{Database, DatabaseSettings};
use sesame_server::system_clock::SystemClock;

struct Fixture {
    token: String,
    hasher: Arc<dyn SecretHasher>,
    keys: Arc<dyn ApiKeyRepository>,
    _dir: tempfile::TempDir,
}

/// A real SQLite file with one bootstrapped root key, hashed by `hasher`.
async fn fixture(hasher: Arc<dyn SecretHasher>) -> Fixture {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
    let db = Database::connect(&DatabaseSettings { url, max_connections: 4, connect_timeout: Duration::from_secs(5) })
        .await
        .expect("sqlite opens");
    db.migrate().await.expect("migrations run");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let generator: Arc<dyn SecretGenerator> = Arc::new(OsSecretGenerator);
    let issuer = SecretIssuer::new(generator, hasher.clone());
    let root = Bootstrap::new(Arc::new(db.organizations()), issuer, clock).execute("Bench").await.expect("bootstrap");
    Fixture { token: root.token.expose(), hasher, keys: Arc::new(db.api_keys()), _dir: dir }
}

fn authenticate(f: &Fixture, cache_entries: u64) -> Authenticate {
    let hasher = f.hasher.clone();
    let usage = UsageBuffer::new(f.keys.clone(), 1_000_000);
    Authenticate::new(
        f.keys.clone(),
        hasher,
        Arc::new(SystemClock),
        usage,
        VerifiedKeyCache::new(cache_entries, Duration::from_secs(3600), [7; 32]),
        FailureLimiter::new(FailureLimits::default()),
    )
}

fn argon2() -> Argon2SecretHasher {
    Argon2SecretHasher::new(Argon2Params::default()).expect("default parameters are valid")
}

fn hmac() -> HmacSha256SecretHasher {
    HmacSha256SecretHasher::new(Pepper::new(&[0x5e; 32]).expect("a long enough pepper"), vec![])
}

fn hot_path(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let f = rt.block_on(fixture(Arc::new(argon2())));
    let required = ScopeSet::parse(["api_keys.read"]).expect("known scope");
    let ip = Some("127.0.0.1".parse().expect("an address"));

    c.bench_function("token_parse_and_checksum", |b| b.iter(|| ApiToken::parse(&f.token).expect("valid")));

    let cached = authenticate(&f, 1000);
    rt.block_on(cached.check(&f.token, ip, &required)).expect("the root key verifies");
    c.bench_function("cached_verify_use_case", |b| {
        b.to_async(&rt).iter(|| async { cached.execute(&f.token, ip, Some("bench"), &required).await.expect("valid") })
    });

    let token = ApiToken::parse(&f.token).expect("valid");
    let stored = rt
        .block_on(f.keys.find_credential(&token.lookup()))
        .expect("storage answers")
        .expect("the root key is stored")
        .secret_hash;
    let argon2id = argon2();
    let mut slow = c.benchmark_group("argon2id");
    slow.sample_size(20);
    slow.bench_function("argon2id_verify_default_params", |b| {
        b.iter(|| argon2id.verify_blocking(token.secret(), &stored).expect("readable hash"))
    });
    let cold = authenticate(&f, 0);
    slow.bench_function("cold_verify_sqlite_and_argon2id", |b| {
        b.to_async(&rt).iter(|| async { cold.check(&f.token, ip, &required).await.expect("valid") })
    });
    slow.finish();

    // The fast scheme: a root key hashed with HMAC-SHA-256 under a pepper.
    let fast_hasher = SchemedSecretHasher::new(HashScheme::HmacSha256, argon2(), Some(hmac())).expect("a pepper");
    let fast = rt.block_on(fixture(Arc::new(fast_hasher)));
    let fast_token = ApiToken::parse(&fast.token).expect("valid");
    let fast_stored = rt
        .block_on(fast.keys.find_credential(&fast_token.lookup()))
        .expect("storage answers")
        .expect("the root key is stored")
        .secret_hash;
    let hmac = hmac();
    let mut quick = c.benchmark_group("hmac_sha256");
    quick.bench_function("hmac_sha256_verify", |b| {
        b.iter(|| hmac.verify_now(fast_token.secret(), &fast_stored).expect("readable hash"))
    });
    let cold_fast = authenticate(&fast, 0);
    quick.bench_function("cold_verify_sqlite_and_hmac_sha256", |b| {
        b.to_async(&rt).iter(|| async { cold_fast.check(&fast.token, ip, &required).await.expect("valid") })
    });
    quick.finish();
}

criterion_group!(benches, hot_path);
criterion_main!(benches);
