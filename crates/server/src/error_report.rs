//! How the binary prints an error that stops it: the error, then each cause
//! on a line of its own, each said once.

use std::error::Error;
use std::fmt::Write;

/// `err` and its chain of causes, one per line. A cause whose text the line
/// before already contains is left out: sqlx and SeaORM wrap one cause in
/// several layers that each repeat it.
pub fn report(err: &(dyn Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut last = out.clone();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !last.contains(&text) {
            let _ = write!(out, "\n  caused by: {text}");
            last = text;
        }
        source = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{text}")]
    struct Layer {
        text: &'static str,
        #[source]
        source: Option<Box<Layer>>,
    }

    fn chain(texts: &[&'static str]) -> Layer {
        texts.iter().rev().fold(None, |source, text| Some(Layer { text, source: source.map(Box::new) })).unwrap()
    }

    #[test]
    fn a_cause_repeated_by_its_wrappers_is_printed_once() {
        let err = chain(&[
            "cannot open the database",
            "Connection Error: error returned from database: (code: 14) unable to open database file",
            "error returned from database: (code: 14) unable to open database file",
            "error returned from database: (code: 14) unable to open database file",
            "(code: 14) unable to open database file",
        ]);
        assert_eq!(
            report(&err),
            "cannot open the database\n  caused by: Connection Error: error returned from database: (code: 14) unable \
             to open database file"
        );
    }

    #[test]
    fn distinct_causes_are_each_printed_in_order() {
        let err = chain(&["cannot listen", "invalid socket address"]);
        assert_eq!(report(&err), "cannot listen\n  caused by: invalid socket address");
    }
}
