//! The real binary's log, as an operator reads it: a client's mistake is an
//! INFO line naming the route, not a WARN about an internal error type; and
//! colours only where a person watches a terminal.

use std::process::Command;

use crate::process::{command, start, stop};

#[tokio::test]
async fn a_refused_request_is_logged_at_info_with_its_route_template() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let process = start(&dir.path().join("sesame.db"));
    let client = reqwest::Client::builder().no_proxy().build().expect("an HTTP client");
    let res = client
        .get(format!("http://127.0.0.1:{}/v1/api-keys/api_key_unknown", process.port))
        .send()
        .await
        .expect("the request is sent");
    assert_eq!(res.status().as_u16(), 401);
    let log = stop(process);

    let refused: Vec<&String> = log.iter().filter(|line| line.contains("request refused")).collect();
    assert_eq!(refused.len(), 1, "one line for the one refusal: {log:#?}");
    let line = refused[0];
    assert!(line.contains(" INFO "), "at INFO: {line}");
    assert!(line.contains("http.route=/v1/api-keys/{id}"), "with the route template: {line}");
    assert!(line.contains("http.status_code=401"), "with the status: {line}");
    for line in &log {
        assert!(!line.contains(" WARN ") && !line.contains("Error encountered"), "{line}");
        assert!(!line.contains("ApiError"), "no internal type name: {line}");
    }
}

/// `sesame migrate` on a fresh file, its stderr through a pseudo-terminal
/// (util-linux `script`) when `terminal`, else through a pipe.
fn migrate_log(terminal: bool, no_color: bool) -> String {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut run = command(&dir.path().join("sesame.db"));
    run.env_remove("NO_COLOR").arg("migrate");
    if no_color {
        run.env("NO_COLOR", "1");
    }
    let output = if terminal {
        let line = format!("{} migrate", env!("CARGO_BIN_EXE_sesame"));
        let mut script = Command::new("script");
        script.args(["-qec", &line, "/dev/null"]);
        for (name, value) in run.get_envs() {
            match value {
                Some(value) => script.env(name, value),
                None => script.env_remove(name),
            };
        }
        script.output().expect("`script` (util-linux) runs")
    } else {
        run.output().expect("the binary runs")
    };
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut log = String::from_utf8_lossy(&output.stderr).into_owned();
    log.push_str(&String::from_utf8_lossy(&output.stdout));
    assert!(log.contains("INFO"), "something was logged: {log}");
    log
}

#[test]
fn a_log_written_to_a_pipe_has_no_colour_codes() {
    assert!(!migrate_log(false, false).contains('\x1b'));
}

#[test]
fn a_terminal_gets_colours_unless_no_color_is_set() {
    assert!(migrate_log(true, false).contains("\x1b["), "colours on a terminal");
    assert!(!migrate_log(true, true).contains('\x1b'), "NO_COLOR is respected");
}
