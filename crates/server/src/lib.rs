//! The `sesame` binary's library half: settings, telemetry, wiring. Kept as a
//! library so integration tests start the real application.

pub mod settings;
pub mod startup;
pub mod telemetry;
