use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sesame_server::settings::Settings;
use sesame_server::settings_catalogue;
use sesame_server::startup::{Adapters, Application};
use sesame_server::telemetry::{init_subscriber_with, otlp_tracer};

/// Sesame: API key management.
#[derive(Parser)]
#[command(name = "sesame", version, about, after_help = settings_catalogue::help())]
struct Cli {
    /// Settings file (TOML). Without it, `./sesame.toml` is read if present.
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate, bootstrap an empty database, and serve HTTP (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an organization and its root key; print them as one JSON line.
    Bootstrap {
        #[arg(long)]
        org_name: String,
    },
    /// Break-glass, for an operator with access to the database: a new root
    /// key (every scope) for an existing organization whose root key was
    /// lost; prints it as one JSON line, as `bootstrap` does.
    RootKey {
        /// The organization, `org_…`.
        #[arg(long)]
        organization: String,
        /// Also revoke the root keys Sesame issued before (bootstrap's and
        /// earlier `root-key`s'); keys issued through the API stay.
        #[arg(long)]
        revoke_previous: bool,
    },
    /// For an operator with access to the database: import keys from
    /// another key service, one JSON object per line in the shape of an item
    /// of `POST /developers/api_keys/import` (docs/import.md). Prints one
    /// JSON line per key (`imported` or `rejected` with why); exits 1 if any
    /// key was rejected, after importing the others.
    Import {
        /// The JSON Lines file; `-` reads standard input.
        file: PathBuf,
        /// The organization the keys belong to, `org_…`.
        #[arg(long)]
        organization: String,
        /// The keys' environment when a line names none: `live` or `test`.
        #[arg(long, default_value = "live")]
        environment: String,
    },
    /// Print the OpenAPI document.
    Openapi,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("sesame: {}", sesame_server::error_report::report(err.as_ref()));
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        println!("{}", sesame_http::openapi().to_pretty_json()?);
        return Ok(());
    }
    let settings = Settings::load(cli.config.as_deref())?;
    let telemetry = &settings.telemetry;
    let exporting = match &telemetry.otlp_endpoint {
        Some(endpoint) => Some(otlp_tracer(endpoint, &telemetry.service_name)?),
        None => None,
    };
    let (tracer, provider) = exporting.unzip();
    init_subscriber_with(settings.logging.format, "info", std::io::stderr, tracer);
    let outcome = run_command(command, settings).await;
    if let Some(provider) = provider {
        // Sends the spans still batched; blocking, so off the runtime's threads.
        let _ = tokio::task::spawn_blocking(move || provider.shutdown()).await;
    }
    outcome
}

async fn run_command(command: Command, settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            Adapters::build(&settings).await?;
            eprintln!("sesame: migrations applied");
            Ok(())
        }
        Command::Bootstrap { org_name } => {
            let adapters = Adapters::build(&settings).await?;
            let done = adapters.bootstrap().execute(&org_name).await?;
            let line = serde_json::json!({
                "organization_id": done.organization.id.to_string(),
                "key_id": done.key.id.to_string(),
                "secret": done.token.expose(),
            });
            println!("{line}");
            Ok(())
        }
        Command::RootKey { organization, revoke_previous } => {
            let adapters = Adapters::build(&settings).await?;
            let issued = adapters.issue_root_key().execute(&organization, revoke_previous).await?;
            let line = serde_json::json!({
                "organization_id": issued.key.organization_id.to_string(),
                "key_id": issued.key.id.to_string(),
                "secret": issued.token.expose(),
                "revoked_key_ids": issued.revoked.iter().map(|k| k.id.to_string()).collect::<Vec<_>>(),
            });
            println!("{line}");
            Ok(())
        }
        Command::Import { file, organization, environment } => {
            let adapters = Adapters::build(&settings).await?;
            let environment = environment.parse().map_err(|e| format!("--environment: {e}"))?;
            let rejected = sesame_server::import::run(&adapters, &file, &organization, environment).await?;
            if rejected > 0 {
                return Err(format!("{rejected} key(s) rejected; the others were imported").into());
            }
            Ok(())
        }
        Command::Openapi => Ok(()),
    }
}

async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    let bind = settings.server.bind.clone();
    let app = Application::build(settings).await?;
    if let Some(done) = app.bootstrapped() {
        println!(
            "\n================================ Sesame root key ================================\n\
             organization: {}\n\
             key id:       {}\n\
             secret:       {}\n\
             This secret holds every scope and is shown ONCE. Store it now: Sesame keeps\n\
             only its argon2id hash. Use it as `Authorization: Bearer <secret>`.\n\
             =================================================================================\n",
            done.organization.id,
            done.key.id,
            done.token.expose()
        );
    }
    let host = bind.rsplit_once(':').map_or(bind.as_str(), |(h, _)| h);
    tracing::info!("listening on http://{host}:{}  (Swagger UI: /swagger-ui/)", app.port());
    app.run_until_stopped().await?;
    Ok(())
}
