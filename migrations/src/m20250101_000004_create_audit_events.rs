use sea_orm_migration::{prelude::*, schema::*};

use crate::m20250101_000001_create_organizations::Organizations;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .if_not_exists()
                    .col(string_len(AuditEvents::Id, 64).primary_key())
                    .col(string_len(AuditEvents::OrganizationId, 64))
                    .col(string_len(AuditEvents::Actor, 128))
                    .col(string_len(AuditEvents::Environment, 16))
                    .col(string_len(AuditEvents::Action, 64))
                    .col(string_len(AuditEvents::TargetId, 64))
                    .col(string_len_null(AuditEvents::Ip, 64))
                    .col(text(AuditEvents::Before))
                    .col(text(AuditEvents::After))
                    .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_audit_events_organization")
                            .from(AuditEvents::Table, AuditEvents::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_events_org_env_id")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::OrganizationId)
                    .col(AuditEvents::Environment)
                    .col(AuditEvents::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuditEvents::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum AuditEvents {
    Table,
    Id,
    OrganizationId,
    Actor,
    Environment,
    Action,
    TargetId,
    Ip,
    Before,
    After,
    OccurredAt,
}
