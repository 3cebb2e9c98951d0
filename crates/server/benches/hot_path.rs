//! The verification hot path, function by function (criterion):
//! token parse + checksum; a cached verify through the application's
//! `Authenticate` use case (no storage, no argon2); one argon2id verify at the
//! default parameters; a cold verify (SQLite lookup + argon2id) for
//! comparison. `cargo bench -p sesame-server --bench hot_path`.

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use sesame_application::authentication::{Authenticate, FailureLimiter, FailureLimits, VerifiedKeyCache};
use sesame_application::organizations::Bootstrap;
use sesame_application::support::SecretIssuer;
use sesame_application::usage::UsageBuffer;
use sesame_crypto::{Argon2Params, Argon2SecretHasher, OsSecretGenerator};
use sesame_domain::ports::{ApiKeyRepository, Clock, SecretGenerator, SecretHasher};
use sesame_domain::{ApiToken, ScopeSet};
use sesame_persistence::{Database, DatabaseSettings};
use sesame_server::system_clock::SystemClock;

struct Fixture {
    token: String,
    hasher: Argon2SecretHasher,
    keys: Arc<dyn ApiKeyRepository>,
    _dir: tempfile::TempDir,
}

/// A real SQLite file with one bootstrapped root key, hashed at the default
/// argon2id parameters.
async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
    let db = Database::connect(&DatabaseSettings { url, max_connections: 4, connect_timeout: Duration::from_secs(5) })
        .await
        .expect("sqlite opens");
    db.migrate().await.expect("migrations run");
    let hasher = Argon2SecretHasher::new(Argon2Params::default()).expect("default parameters are valid");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let generator: Arc<dyn SecretGenerator> = Arc::new(OsSecretGenerator);
    let issuer = SecretIssuer::new(generator, Arc::new(hasher.clone()));
    let root = Bootstrap::new(Arc::new(db.organizations()), issuer, clock).execute("Bench").await.expect("bootstrap");
    Fixture { token: root.token.expose(), hasher, keys: Arc::new(db.api_keys()), _dir: dir }
}

fn authenticate(f: &Fixture, cache_entries: u64) -> Authenticate {
    let hasher: Arc<dyn SecretHasher> = Arc::new(f.hasher.clone());
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

fn hot_path(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let f = rt.block_on(fixture());
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
    let mut slow = c.benchmark_group("argon2id");
    slow.sample_size(20);
    slow.bench_function("argon2id_verify_default_params", |b| {
        b.iter(|| f.hasher.verify_blocking(token.secret(), &stored).expect("readable hash"))
    });
    let cold = authenticate(&f, 0);
    slow.bench_function("cold_verify_sqlite_and_argon2id", |b| {
        b.to_async(&rt).iter(|| async { cold.check(&f.token, ip, &required).await.expect("valid") })
    });
    slow.finish();
}

criterion_group!(benches, hot_path);
criterion_main!(benches);
