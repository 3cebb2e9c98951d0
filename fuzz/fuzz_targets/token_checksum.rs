//! The checksum, written here from its definition (CRC-32 of prefix, lookup
//! id and secret, big-endian, after them in the base58 body): every token so
//! built parses back to its parts, and changing any one byte of its body is
//! caught as a bad checksum before storage is touched.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sesame_domain::{ApiToken, Environment, KeyKind, TokenError};

#[derive(Debug, Arbitrary)]
struct Input {
    secret_kind: bool,
    live: bool,
    lookup: [u8; 16],
    secret: [u8; 32],
    at: u8,
    flip: u8,
}

fn encode(prefix: &str, body: &[u8]) -> String {
    format!("{prefix}{}", bs58::encode(body).into_string())
}

fuzz_target!(|input: Input| {
    let kind = if input.secret_kind { KeyKind::Secret } else { KeyKind::Publishable };
    let environment = if input.live { Environment::Live } else { Environment::Test };
    let prefix = format!("{}_{}_", kind.token_prefix(), environment.as_str());
    let mut crc = crc32fast::Hasher::new();
    crc.update(prefix.as_bytes());
    crc.update(&input.lookup);
    crc.update(&input.secret);
    let mut body = Vec::with_capacity(52);
    body.extend_from_slice(&input.lookup);
    body.extend_from_slice(&input.secret);
    body.extend_from_slice(&crc.finalize().to_be_bytes());

    let raw = encode(&prefix, &body);
    let token = ApiToken::parse(&raw).expect("a token with a right checksum parses");
    assert_eq!((token.kind(), token.environment()), (kind, environment));
    assert_eq!(token.expose(), raw);

    if input.flip != 0 {
        // CRC-32 catches every error burst up to 32 bits, so one byte always.
        let at = usize::from(input.at) % body.len();
        body[at] ^= input.flip;
        assert_eq!(ApiToken::parse(&encode(&prefix, &body)).err(), Some(TokenError::BadChecksum));
    }
});
