//! `sesame import FILE.jsonl`: the import endpoint's use case, fed from a
//! file by an operator with access to the database.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use serde_json::{json, Value};
use sesame_application::api_keys::{
    operator_in, ImportApiKeys, ImportApiKeysCommand, ImportKeyCommand, MAX_IMPORT_BATCH,
};
use sesame_application::organizations::OperatorError;
use sesame_domain::{Environment, Principal};
use sesame_http::dialects::native::{ImportErrorData, ImportKeyRequest, ImportedKeysData};
use sesame_http::ApiError;

use crate::startup::Adapters;

/// A line of the file, numbered from 1, and what it holds.
struct Line {
    number: usize,
    item: Result<ImportKeyCommand, ApiError>,
}

/// Imports every line of `file` (`-`: standard input) into `organization`,
/// in batches of [`MAX_IMPORT_BATCH`]; prints one JSON line per key to
/// standard output. Returns how many keys were rejected.
///
/// # Errors
/// An unreadable file, an unknown or deactivated organization, or a failure
/// of storage (the batch under way is then not stored).
pub async fn run(
    adapters: &Adapters,
    file: &Path,
    organization: &str,
    environment: Environment,
) -> Result<usize, Box<dyn std::error::Error>> {
    let operator = operator_in(adapters.organizations.as_ref(), organization, environment).await.map_err(
        |e| -> Box<dyn std::error::Error> {
            match e {
                OperatorError::Unexpected(cause) => cause,
                other => other.to_string().into(),
            }
        },
    )?;
    let reader: Box<dyn BufRead> = if file == Path::new("-") {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        let opened = std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?;
        Box::new(BufReader::new(opened))
    };
    let import = ImportApiKeys::new(
        adapters.keys.clone(),
        adapters.service_accounts.clone(),
        adapters.hasher.clone(),
        adapters.clock.clone(),
    );
    let mut rejected = 0;
    let mut batch = Vec::with_capacity(MAX_IMPORT_BATCH);
    for (index, text) in reader.lines().enumerate() {
        let text = text.map_err(|e| format!("{}: line {}: {e}", file.display(), index + 1))?;
        if text.trim().is_empty() {
            continue;
        }
        batch.push(Line { number: index + 1, item: parse_line(&text) });
        if batch.len() == MAX_IMPORT_BATCH {
            rejected += import_batch(&import, &operator, std::mem::take(&mut batch), adapters).await?;
        }
    }
    if !batch.is_empty() {
        rejected += import_batch(&import, &operator, batch, adapters).await?;
    }
    Ok(rejected)
}

/// One line as an item of the import endpoint, or why it is not one (as
/// the endpoint would say it of a body).
fn parse_line(text: &str) -> Result<ImportKeyCommand, ApiError> {
    sesame_http::parse_json::<ImportKeyRequest>(text.as_bytes()).map(Into::into)
}

/// Imports the readable lines of `lines`, prints every line's outcome, and
/// returns how many were rejected.
async fn import_batch(
    import: &ImportApiKeys,
    operator: &Principal,
    lines: Vec<Line>,
    adapters: &Adapters,
) -> Result<usize, Box<dyn std::error::Error>> {
    let mut readable = Vec::new();
    let mut unreadable = Vec::new();
    for line in lines {
        match line.item {
            Ok(item) => readable.push((line.number, item)),
            Err(problem) => unreadable.push((line.number, problem)),
        }
    }
    let mut out = std::io::stdout().lock();
    for (number, problem) in &unreadable {
        let error = ImportErrorData::unreadable(problem);
        writeln!(out, "{}", json!({"line": number, "status": "rejected", "error": error}))?;
    }
    let mut rejected = unreadable.len();
    if readable.is_empty() {
        return Ok(rejected);
    }
    let (numbers, items): (Vec<usize>, Vec<ImportKeyCommand>) = readable.into_iter().unzip();
    let outcomes = import.execute(operator, ImportApiKeysCommand { keys: items }).await?;
    let data = ImportedKeysData::new(outcomes, adapters.clock.now());
    rejected += data.rejected;
    for (number, result) in numbers.into_iter().zip(data.results) {
        let mut result = serde_json::to_value(&result)?;
        if let Value::Object(fields) = &mut result {
            fields.remove("index");
            fields.insert("line".to_owned(), json!(number));
        }
        writeln!(out, "{result}")?;
    }
    Ok(rejected)
}
