//! The `sesame` binary's library half: settings, telemetry, wiring, and the
//! wall clock. Kept as a library so integration tests start the real
//! application.

pub mod error_report;
pub mod import;
pub mod peers;
pub mod prometheus;
pub mod settings;
pub mod settings_catalogue;
pub mod startup;
pub mod system_clock;
pub mod telemetry;
