//! HTTP tests: the real application on a random port, over a fresh SQLite
//! file or a fresh PostgreSQL database, spoken to over HTTP. One binary, so
//! the crate graph links once.

mod helpers;

mod cluster;
mod contract;
mod crash;
mod create_api_key;
mod database_unavailable;
mod dialect_accounts;
mod dialect_camel;
mod dialect_interop;
mod dialect_plain;
mod envoy_grpc;
mod error_examples;
mod gateway;
mod hash_schemes;
mod hot_path;
mod import;
mod instances;
mod json_logs;
mod landing;
mod lifecycle;
mod limits;
mod logs;
mod openapi_examples;
mod operations;
mod organizations;
mod process;
mod secret_scanning;
mod seed_text;
mod service;
mod service_accounts;
mod startup_errors;
mod startup_race;
mod traces;
mod verify;
