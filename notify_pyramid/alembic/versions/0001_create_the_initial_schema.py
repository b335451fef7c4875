"""create the initial schema

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATUS_CHECK = (
    "status IN ('created', 'sending', 'pending', 'sent', 'delivered', "
    "'permanent-failure', 'temporary-failure', 'technical-failure')"
)


def upgrade() -> None:
    op.create_table(
        "services",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("message_limit", sa.Integer(), nullable=False),
        sa.Column("rate_limit", sa.Integer(), nullable=False),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("sms_sender", sa.String(length=11), nullable=False),
        sa.Column("email_from", sa.String(length=255), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
        sa.UniqueConstraint("name", name=op.f("uq_services_name")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("key_type", sa.String(length=10), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expiry_date", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "key_type IN ('normal', 'team', 'test')",
            name=op.f("ck_api_keys_key_type"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_api_keys_service_id_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
    )
    op.create_index(
        op.f("ix_api_keys_service_id"),
        "api_keys",
        ["service_id"],
        unique=False,
    )
    op.create_table(
        "service_daily_usage",
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_service_daily_usage_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "service_id", "day", name=op.f("pk_service_daily_usage")
        ),
    )
    op.create_table(
        "service_guest_list",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_type", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "recipient_type IN ('email', 'mobile')",
            name=op.f("ck_service_guest_list_recipient_type"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_service_guest_list_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_guest_list")),
        sa.UniqueConstraint(
            "service_id",
            "recipient_type",
            "recipient",
            name=op.f("uq_service_guest_list_service_id"),
        ),
    )
    op.create_table(
        "templates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("template_type", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "template_type IN ('sms', 'email')",
            name=op.f("ck_templates_template_type"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_templates_service_id_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_templates")),
    )
    op.create_index(
        "ix_templates_service_id_type",
        "templates",
        ["service_id", "template_type"],
        unique=False,
    )
    op.create_table(
        "templates_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("template_type", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "template_type IN ('sms', 'email')",
            name=op.f("ck_templates_history_template_type"),
        ),
        sa.ForeignKeyConstraint(
            ["id"],
            ["templates.id"],
            name=op.f("fk_templates_history_id_templates"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_templates_history_service_id_services"),
        ),
        sa.PrimaryKeyConstraint(
            "id", "version", name=op.f("pk_templates_history")
        ),
    )
    op.create_table(
        "notification_history",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Uuid(), nullable=True),
        sa.Column("key_type", sa.String(length=10), nullable=False),
        sa.Column("notification_type", sa.String(length=10), nullable=False),
        sa.Column("client_reference", sa.String(length=1000), nullable=True),
        sa.Column("provider_reference", sa.String(length=255), nullable=True),
        sa.Column("international", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("billable_units", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.String(length=50), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "key_type IN ('normal', 'team', 'test')",
            name=op.f("ck_notification_history_key_type"),
        ),
        sa.CheckConstraint(
            "notification_type IN ('sms', 'email')",
            name=op.f("ck_notification_history_notification_type"),
        ),
        sa.CheckConstraint(
            STATUS_CHECK,
            name=op.f("ck_notification_history_status"),
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_notification_history_api_key_id_api_keys"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_notification_history_service_id_services"),
        ),
        sa.ForeignKeyConstraint(
            ["template_id", "template_version"],
            ["templates_history.id", "templates_history.version"],
            name=op.f("fk_notification_history_template_id_templates_history"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_history")),
    )
    op.create_index(
        "ix_notification_history_service_created",
        "notification_history",
        ["service_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Uuid(), nullable=True),
        sa.Column("key_type", sa.String(length=10), nullable=False),
        sa.Column("notification_type", sa.String(length=10), nullable=False),
        sa.Column("to", sa.String(length=255), nullable=False),
        sa.Column("normalised_to", sa.String(length=255), nullable=True),
        sa.Column("personalisation", sa.Text(), nullable=True),
        sa.Column("client_reference", sa.String(length=1000), nullable=True),
        sa.Column("provider_reference", sa.String(length=255), nullable=True),
        sa.Column("international", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("billable_units", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.String(length=50), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "key_type IN ('normal', 'team', 'test')",
            name=op.f("ck_notifications_key_type"),
        ),
        sa.CheckConstraint(
            "notification_type IN ('sms', 'email')",
            name=op.f("ck_notifications_notification_type"),
        ),
        sa.CheckConstraint(
            STATUS_CHECK,
            name=op.f("ck_notifications_status"),
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_notifications_api_key_id_api_keys"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_notifications_service_id_services"),
        ),
        sa.ForeignKeyConstraint(
            ["template_id", "template_version"],
            ["templates_history.id", "templates_history.version"],
            name=op.f("fk_notifications_template_id_templates_history"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(
        "ix_notifications_created_at",
        "notifications",
        ["created_at"],
        unique=False,
    )
    op.create_index(
        "ix_notifications_service_key_type_created",
        "notifications",
        ["service_id", "key_type", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_notifications_status_sent_at",
        "notifications",
        ["status", "sent_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_notifications_status_sent_at", table_name="notifications"
    )
    op.drop_index(
        "ix_notifications_service_key_type_created", table_name="notifications"
    )
    op.drop_index("ix_notifications_created_at", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index(
        "ix_notification_history_service_created",
        table_name="notification_history",
    )
    op.drop_table("notification_history")
    op.drop_table("templates_history")
    op.drop_index("ix_templates_service_id_type", table_name="templates")
    op.drop_table("templates")
    op.drop_table("service_guest_list")
    op.drop_table("service_daily_usage")
    op.drop_index(op.f("ix_api_keys_service_id"), table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_table("services")
