//! Whatever a client presents as a token, parsing answers (never panics), and
//! a token it accepts is exactly the one Sesame would have written: no second
//! spelling of one key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesame_domain::ApiToken;

fuzz_target!(|raw: &str| {
    if let Ok(token) = ApiToken::parse(raw) {
        assert_eq!(token.expose(), raw, "an accepted token reads back as written");
    }
});
