//! What the real binary prints when it cannot start: the setting to change,
//! its environment variable, the bad value and what would do; nothing
//! touched; each cause said once.

use std::process::Output;

use crate::process::command;

/// Runs `sesame` on a fresh SQLite path with `vars` set; returns its output
/// and whether the database file exists afterwards.
fn run_with(vars: &[(&str, &str)]) -> (Output, bool) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let database = dir.path().join("sesame.db");
    let mut command = command(&database);
    for (name, value) in vars {
        command.env(name, value);
    }
    let output = command.output().expect("the binary runs");
    (output, database.exists())
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_unknown_environment_names_the_setting_the_variable_and_the_allowed_values() {
    let (output, touched) = run_with(&[("SESAME__ENV", "prod")]);
    assert!(!output.status.success());
    assert_eq!(stderr(&output), "sesame: env (SESAME__ENV) = \"prod\": expected one of development, production\n");
    assert!(!touched, "the database is not created by a start with a bad setting");
}

#[test]
fn a_bad_bind_address_is_found_before_the_database_is_touched() {
    let (output, touched) = run_with(&[("SESAME__SERVER__BIND", "nonsense")]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(err.starts_with("sesame: server.bind (SESAME__SERVER__BIND) = \"nonsense\": expected host:port"), "{err}");
    assert!(!touched, "no migration ran before the bad address was found");
}

#[test]
fn an_unknown_setting_is_named_with_its_variable_and_its_sections_settings() {
    let (output, touched) = run_with(&[("SESAME__SERVER__BINDD", "127.0.0.1:0")]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.starts_with("sesame: server.bindd (SESAME__SERVER__BINDD) is not a setting; server has bind, workers"),
        "{err}"
    );
    assert!(!touched);
}

#[test]
fn a_database_that_cannot_be_opened_names_the_setting_and_says_its_cause_once() {
    let (output, _) = run_with(&[("SESAME__DATABASE__URL", "sqlite:///nonexistent-dir/sesame.db?mode=rwc")]);
    assert!(!output.status.success());
    let err = stderr(&output);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines[0], "sesame: cannot use the database of database.url (SESAME__DATABASE__URL)", "{err}");
    assert_eq!(err.matches("unable to open database file").count(), 1, "{err}");
    for (i, line) in lines.iter().enumerate() {
        assert!(!lines[..i].contains(line), "a line printed twice: {err}");
    }
}

#[test]
fn help_names_the_environment_variables() {
    let output = command(std::path::Path::new("unused.db")).arg("--help").output().expect("the binary runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for expected in ["SESAME__SECTION__KEY", "SESAME__SERVER__BIND", "SESAME__DATABASE__URL", "SESAME__ENV", "NO_COLOR"]
    {
        assert!(help.contains(expected), "--help does not mention {expected}:\n{help}");
    }
}

#[test]
fn the_fast_scheme_without_a_pepper_names_the_pepper_settings_before_the_database_is_touched() {
    let (output, touched) = run_with(&[("SESAME__HASHING__SCHEME", "hmac-sha256")]);
    assert!(!output.status.success());
    assert_eq!(
        stderr(&output),
        "sesame: hashing.pepper (SESAME__HASHING__PEPPER) or hashing.pepper_file (SESAME__HASHING__PEPPER_FILE) \
         must be set: hashing.scheme is hmac-sha256, whose hashes are keyed with the pepper\n"
    );
    assert!(!touched);
}

#[test]
fn a_pepper_shorter_than_32_bytes_is_refused_and_never_printed() {
    let short = "0123456789abcdef0123456789abcde";
    let (output, touched) = run_with(&[("SESAME__HASHING__SCHEME", "hmac-sha256"), ("SESAME__HASHING__PEPPER", short)]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.starts_with("sesame: hashing.pepper (SESAME__HASHING__PEPPER): expected a secret of at least 32 bytes"),
        "{err}"
    );
    assert!(!err.contains(short), "{err}");
    assert!(!touched);
}
