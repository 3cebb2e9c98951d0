use sesame_application::{Authenticate, CreateApiKey};

/// The use cases the HTTP adapter drives, built by the server's wiring.
#[derive(Clone)]
pub struct Services {
    pub authenticate: Authenticate,
    pub create_api_key: CreateApiKey,
}
