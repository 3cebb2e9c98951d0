use sesame_application::api_keys::{
    ChangeApiKeyCredits, CreateApiKey, GetApiKey, ImportApiKeys, ListApiKeys, RevokeApiKey, RotateApiKey, UpdateApiKey,
    VerifyApiKey,
};
use sesame_application::audit_events::ListAuditEvents;
use sesame_application::authentication::{Authenticate, AuthenticateAccessToken};
use sesame_application::organizations::{
    ActInOrganization, CreateOrganization, DeactivateOrganization, GetOrganization, UpdateOrganization,
};
use sesame_application::secret_scanning::ReportLeaks;
use sesame_application::service_accounts::{
    CreateServiceAccount, DeleteServiceAccount, GetServiceAccount, ListServiceAccounts, UpdateServiceAccountLimits,
};

/// The use cases the HTTP adapter drives, built by the server's wiring.
#[derive(Clone)]
pub struct Services {
    pub authenticate: Authenticate,
    /// JWT access tokens, accepted where a dialect documents them.
    pub authenticate_access_token: AuthenticateAccessToken,
    pub create_api_key: CreateApiKey,
    /// Keys brought from other key services.
    pub import_api_keys: ImportApiKeys,
    pub list_api_keys: ListApiKeys,
    pub get_api_key: GetApiKey,
    pub update_api_key: UpdateApiKey,
    pub rotate_api_key: RotateApiKey,
    pub revoke_api_key: RevokeApiKey,
    pub verify_api_key: VerifyApiKey,
    /// Leak reports of GitHub's secret scanning.
    pub report_leaks: ReportLeaks,
    pub change_api_key_credits: ChangeApiKeyCredits,
    pub create_organization: CreateOrganization,
    pub get_organization: GetOrganization,
    pub update_organization: UpdateOrganization,
    pub deactivate_organization: DeactivateOrganization,
    pub list_audit_events: ListAuditEvents,
    pub create_service_account: CreateServiceAccount,
    pub list_service_accounts: ListServiceAccounts,
    pub get_service_account: GetServiceAccount,
    pub delete_service_account: DeleteServiceAccount,
    pub update_service_account_limits: UpdateServiceAccountLimits,
    /// For dialects that name the organization to act in (`account_id`).
    pub act_in_organization: ActInOrganization,
}
