//! Any scope names a client sends are read or refused by name (never a
//! panic); a name that is read is exactly a catalogue name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesame_domain::{Scope, ScopeSet};

fuzz_target!(|names: Vec<&str>| {
    for name in &names {
        match name.parse::<Scope>() {
            Ok(scope) => assert_eq!(scope.as_str(), *name),
            Err(unknown) => assert_eq!(unknown.0, *name, "the refusal names what was sent"),
        }
    }
    match ScopeSet::parse(&names) {
        Ok(set) => assert!(names.iter().all(|n| set.contains(n.parse().expect("a known scope")))),
        Err(unknown) => assert!(names.contains(&unknown.0.as_str())),
    }
});
