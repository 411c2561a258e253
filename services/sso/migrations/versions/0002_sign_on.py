"""The sign-on tables: accounts replica, credentials and their records, lockout counters,
signing keys, clients and partner sites, sessions, codes, grants, refresh tokens,
back-channel logouts, county connectors and links, maintenance notices.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table('account_replica',
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('unit_code', sa.String(length=32), nullable=True),
    sa.Column('authority_code', sa.String(length=32), nullable=True),
    sa.Column('county_code', sa.String(length=8), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_account_replica')),
    sa.UniqueConstraint('login', name=op.f('uq_account_replica_login'))
    )
    op.create_table('authorization_codes',
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('sid', sa.String(length=43), nullable=False),
    sa.Column('redirect_uri', sa.String(length=500), nullable=False),
    sa.Column('scope', sa.String(length=500), nullable=False),
    sa.Column('nonce', sa.String(length=500), nullable=True),
    sa.Column('code_challenge', sa.String(length=43), nullable=False),
    sa.Column('auth_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('amr', sa.String(length=32), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('redeemed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('grant_id', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('code_hash', name=op.f('pk_authorization_codes'))
    )
    op.create_index(op.f('ix_authorization_codes_expires_at'), 'authorization_codes', ['expires_at'], unique=False)
    op.create_table('authorization_requests',
    sa.Column('request_id', sa.String(length=43), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_authorization_requests'))
    )
    op.create_index(op.f('ix_authorization_requests_expires_at'), 'authorization_requests', ['expires_at'], unique=False)
    op.create_table('browser_sessions',
    sa.Column('cookie_hash', sa.String(length=64), nullable=False),
    sa.Column('sid', sa.String(length=43), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('county_code', sa.String(length=8), nullable=True),
    sa.Column('auth_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('cookie_hash', name=op.f('pk_browser_sessions')),
    sa.UniqueConstraint('sid', name=op.f('uq_browser_sessions_sid'))
    )
    op.create_index(op.f('ix_browser_sessions_account_id'), 'browser_sessions', ['account_id'], unique=False)
    op.create_index(op.f('ix_browser_sessions_expires_at'), 'browser_sessions', ['expires_at'], unique=False)
    op.create_table('clients',
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('redirect_uris', sa.JSON(), nullable=False),
    sa.Column('post_logout_redirect_uris', sa.JSON(), nullable=False),
    sa.Column('backchannel_logout_uri', sa.String(length=500), nullable=True),
    sa.Column('sector_identifier_uri', sa.String(length=500), nullable=True),
    sa.Column('sector', sa.String(length=255), nullable=False),
    sa.Column('contacts', sa.JSON(), nullable=False),
    sa.Column('allowed_scopes', sa.JSON(), nullable=False),
    sa.Column('auth_method', sa.String(length=32), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=True),
    sa.Column('approval_reference', sa.String(length=100), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('disabled_on', sa.Date(), nullable=True),
    sa.Column('disabled_reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('client_id', name=op.f('pk_clients'))
    )
    op.create_table('county_arrivals',
    sa.Column('arrival_id', sa.String(length=43), nullable=False),
    sa.Column('browser_hash', sa.String(length=64), nullable=False),
    sa.Column('county_code', sa.String(length=8), nullable=False),
    sa.Column('county_subject', sa.String(length=255), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('profile', sa.JSON(), nullable=False),
    sa.Column('request_id', sa.String(length=43), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('arrival_id', name=op.f('pk_county_arrivals'))
    )
    op.create_index(op.f('ix_county_arrivals_county_code'), 'county_arrivals', ['county_code'], unique=False)
    op.create_table('county_connectors',
    sa.Column('county_code', sa.String(length=8), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('secret_sealed', sa.Text(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('county_code', name=op.f('pk_county_connectors'))
    )
    op.create_table('county_links',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('county_code', sa.String(length=8), nullable=False),
    sa.Column('county_subject', sa.String(length=255), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('linked_by', sa.String(length=100), nullable=False),
    sa.Column('profile_digest', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_county_links')),
    sa.UniqueConstraint('county_code', 'account_id', name='uq_county_links_account'),
    sa.UniqueConstraint('county_code', 'county_subject', name='uq_county_links_subject')
    )
    op.create_index(op.f('ix_county_links_account_id'), 'county_links', ['account_id'], unique=False)
    op.create_table('credentials',
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_credentials'))
    )
    op.create_table('grants',
    sa.Column('grant_id', sa.String(length=36), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('sid', sa.String(length=43), nullable=True),
    sa.Column('scope', sa.String(length=500), nullable=False),
    sa.Column('auth_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('amr', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('grant_id', name=op.f('pk_grants'))
    )
    op.create_index(op.f('ix_grants_account_id'), 'grants', ['account_id'], unique=False)
    op.create_index(op.f('ix_grants_client_id'), 'grants', ['client_id'], unique=False)
    op.create_index(op.f('ix_grants_expires_at'), 'grants', ['expires_at'], unique=False)
    op.create_index(op.f('ix_grants_sid'), 'grants', ['sid'], unique=False)
    op.create_table('login_records',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('login', sa.String(length=160), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=True),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('county_code', sa.String(length=8), nullable=True),
    sa.Column('client_address', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_records'))
    )
    op.create_index(op.f('ix_login_records_account_id'), 'login_records', ['account_id'], unique=False)
    op.create_index(op.f('ix_login_records_at'), 'login_records', ['at'], unique=False)
    op.create_table('login_throttle',
    sa.Column('login_key', sa.String(length=160), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('login_key', name=op.f('pk_login_throttle'))
    )
    op.create_table('logout_deliveries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('uri', sa.String(length=500), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('sid', sa.String(length=43), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_logout_deliveries'))
    )
    op.create_table('maintenance_notices',
    sa.Column('notice_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('notice_id', name=op.f('pk_maintenance_notices'))
    )
    op.create_index(op.f('ix_maintenance_notices_created_at'), 'maintenance_notices', ['created_at'], unique=False)
    op.create_table('password_changes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('client_address', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_changes'))
    )
    op.create_index(op.f('ix_password_changes_account_id'), 'password_changes', ['account_id'], unique=False)
    op.create_index(op.f('ix_password_changes_changed_at'), 'password_changes', ['changed_at'], unique=False)
    op.create_table('password_setups',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('purpose', sa.String(length=8), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_password_setups'))
    )
    op.create_index(op.f('ix_password_setups_account_id'), 'password_setups', ['account_id'], unique=False)
    op.create_index(op.f('ix_password_setups_expires_at'), 'password_setups', ['expires_at'], unique=False)
    op.create_table('role_grant_replica',
    sa.Column('grant_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('unit_code', sa.String(length=32), nullable=True),
    sa.Column('authority_code', sa.String(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('grant_id', name=op.f('pk_role_grant_replica'))
    )
    op.create_index(op.f('ix_role_grant_replica_account_id'), 'role_grant_replica', ['account_id'], unique=False)
    op.create_table('signing_keys',
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('public_jwk', sa.JSON(), nullable=False),
    sa.Column('private_sealed', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('remove_after', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('kid', name=op.f('pk_signing_keys'))
    )
    op.create_index('uq_signing_keys_live_state', 'signing_keys', ['state'], unique=True, postgresql_where=sa.text("state IN ('current', 'next')"), sqlite_where=sa.text("state IN ('current', 'next')"))
    op.create_table('test_accounts',
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('added_by', sa.String(length=64), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_test_accounts'))
    )
    op.create_table('upstream_logins',
    sa.Column('state_hash', sa.String(length=64), nullable=False),
    sa.Column('county_code', sa.String(length=8), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('code_verifier', sa.String(length=128), nullable=False),
    sa.Column('request_id', sa.String(length=43), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('state_hash', name=op.f('pk_upstream_logins'))
    )
    op.create_table('client_history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.client_id'], name=op.f('fk_client_history_client_id_clients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_history'))
    )
    op.create_index(op.f('ix_client_history_client_id'), 'client_history', ['client_id'], unique=False)
    op.create_table('notice_deliveries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('notice_id', sa.String(length=36), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['notice_id'], ['maintenance_notices.notice_id'], name=op.f('fk_notice_deliveries_notice_id_maintenance_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_deliveries'))
    )
    op.create_index(op.f('ix_notice_deliveries_notice_id'), 'notice_deliveries', ['notice_id'], unique=False)
    op.create_table('refresh_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('grant_id', sa.String(length=36), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['grant_id'], ['grants.grant_id'], name=op.f('fk_refresh_tokens_grant_id_grants')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_refresh_tokens'))
    )
    op.create_index(op.f('ix_refresh_tokens_grant_id'), 'refresh_tokens', ['grant_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_refresh_tokens_grant_id'), table_name='refresh_tokens')
    op.drop_table('refresh_tokens')
    op.drop_index(op.f('ix_notice_deliveries_notice_id'), table_name='notice_deliveries')
    op.drop_table('notice_deliveries')
    op.drop_index(op.f('ix_client_history_client_id'), table_name='client_history')
    op.drop_table('client_history')
    op.drop_table('upstream_logins')
    op.drop_table('test_accounts')
    op.drop_index('uq_signing_keys_live_state', table_name='signing_keys', postgresql_where=sa.text("state IN ('current', 'next')"), sqlite_where=sa.text("state IN ('current', 'next')"))
    op.drop_table('signing_keys')
    op.drop_index(op.f('ix_role_grant_replica_account_id'), table_name='role_grant_replica')
    op.drop_table('role_grant_replica')
    op.drop_index(op.f('ix_password_setups_expires_at'), table_name='password_setups')
    op.drop_index(op.f('ix_password_setups_account_id'), table_name='password_setups')
    op.drop_table('password_setups')
    op.drop_index(op.f('ix_password_changes_changed_at'), table_name='password_changes')
    op.drop_index(op.f('ix_password_changes_account_id'), table_name='password_changes')
    op.drop_table('password_changes')
    op.drop_index(op.f('ix_maintenance_notices_created_at'), table_name='maintenance_notices')
    op.drop_table('maintenance_notices')
    op.drop_table('logout_deliveries')
    op.drop_table('login_throttle')
    op.drop_index(op.f('ix_login_records_at'), table_name='login_records')
    op.drop_index(op.f('ix_login_records_account_id'), table_name='login_records')
    op.drop_table('login_records')
    op.drop_index(op.f('ix_grants_sid'), table_name='grants')
    op.drop_index(op.f('ix_grants_expires_at'), table_name='grants')
    op.drop_index(op.f('ix_grants_client_id'), table_name='grants')
    op.drop_index(op.f('ix_grants_account_id'), table_name='grants')
    op.drop_table('grants')
    op.drop_table('credentials')
    op.drop_index(op.f('ix_county_links_account_id'), table_name='county_links')
    op.drop_table('county_links')
    op.drop_table('county_connectors')
    op.drop_index(op.f('ix_county_arrivals_county_code'), table_name='county_arrivals')
    op.drop_table('county_arrivals')
    op.drop_table('clients')
    op.drop_index(op.f('ix_browser_sessions_expires_at'), table_name='browser_sessions')
    op.drop_index(op.f('ix_browser_sessions_account_id'), table_name='browser_sessions')
    op.drop_table('browser_sessions')
    op.drop_index(op.f('ix_authorization_requests_expires_at'), table_name='authorization_requests')
    op.drop_table('authorization_requests')
    op.drop_index(op.f('ix_authorization_codes_expires_at'), table_name='authorization_codes')
    op.drop_table('authorization_codes')
    op.drop_table('account_replica')
