//! Any time a client sends is read or refused (never a panic), and a time
//! that is read is whole seconds in years up to 9999 and reads back the same
//! from both forms every dialect writes: `2025-06-29 16:03:44` and RFC 3339.
#![no_main]

use chrono::{Datelike, SecondsFormat, Timelike};
use libfuzzer_sys::fuzz_target;
use sesame_domain::{parse_instant, WIRE_FORMAT};

fuzz_target!(|raw: &str| {
    let Ok(at) = parse_instant(raw) else { return };
    assert_eq!(at.nanosecond(), 0, "{raw:?} keeps a fraction");
    assert!(at.year() <= 9999, "{raw:?} read as {at}");
    let native = at.format(WIRE_FORMAT).to_string();
    assert_eq!(parse_instant(&native), Ok(at), "{raw:?} written natively as {native:?}");
    let rfc3339 = at.to_rfc3339_opts(SecondsFormat::Secs, true);
    assert_eq!(parse_instant(&rfc3339), Ok(at), "{raw:?} written as {rfc3339:?}");
});
