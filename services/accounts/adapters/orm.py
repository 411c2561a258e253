"""The accounts database. Migrations in ``migrations/`` create exactly these tables."""
from sqlalchemy import (
                        BigInteger,
                        Boolean,
                        CheckConstraint,
                        Column,
                        Date,
                        DateTime,
                        ForeignKey,
                        Index,
                        Integer,
                        LargeBinary,
                        String,
                        Table,
                        UniqueConstraint,
                        Uuid,
                        func,
                        text,
)

from servicekit.db import new_metadata

metadata = new_metadata()
# SQLite autoincrements only an INTEGER PRIMARY KEY.
_Serial = BigInteger().with_variant(Integer(), "sqlite")

authorities = Table(
    "authorities", metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("county_code", String(8), nullable=True),
    Column("kind", String(32), nullable=False),
    Column("position", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    # The version last told to the other services (0: never): announcing is idempotent.
    Column("announced_version", Integer, nullable=False, server_default="0"),
)

units = Table(
    "units", metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("unit_type", String(64), nullable=False),
    Column("county_code", String(8), nullable=True),
    Column("version", Integer, nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Effective-dated: [valid_from, valid_until), valid_until NULL while in force.
unit_jurisdictions = Table(
    "unit_jurisdictions", metadata,
    Column("id", _Serial, primary_key=True, autoincrement=True),
    Column("unit_code", String(32), ForeignKey("units.code"), nullable=False),
    Column("authority_code", String(16), ForeignKey("authorities.code"), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=True),
    Column("reference", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(128), nullable=False),
    UniqueConstraint("unit_code", "valid_from"),
)

review_routing_rules = Table(
    "review_routing_rules", metadata,
    Column("rule_id", String(32), primary_key=True),
    Column("unit_type", String(64), nullable=False),
    Column("reviewer", String(32), nullable=False),
    Column("fixed_authority_code", String(16), ForeignKey("authorities.code"), nullable=True),
    Column("effective_from", Date, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(128), nullable=False),
    UniqueConstraint("unit_type", "effective_from"),
)

# One row per account. A teacher's national ID is here only as a keyed hash (lookup,
# dedup) and an AES-GCM ciphertext with the id of its key; its current school is here
# too (past ones in teacher_past_schools), so a bulk import writes one row per teacher.
accounts = Table(
    "accounts", metadata,
    Column("account_id", Uuid, primary_key=True),
    Column("login", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("display_name", String(100), nullable=False),
    Column("email", String(254), nullable=True),
    Column("unit_code", String(32), ForeignKey("units.code"), nullable=True),
    Column("authority_code", String(16), ForeignKey("authorities.code"), nullable=True),
    Column("school_since", Date, nullable=True),
    Column("national_id_hash", LargeBinary(32), nullable=True, unique=True),
    Column("national_id_ciphertext", LargeBinary, nullable=True),
    Column("national_id_key_id", String(16), nullable=True),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("approved_at", DateTime(timezone=True), nullable=True),
    Column("approved_by", String(128), nullable=True),
    Column("last_sign_in_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("(kind = 'teacher') = (national_id_hash IS NOT NULL)", name="teacher_identity"),
)
# Business accounts are listed per unit; teachers (most rows) stay out of this index.
Index("ix_accounts_business_unit", accounts.c.unit_code,
      postgresql_where=text("kind = 'business'"), sqlite_where=text("kind = 'business'"))
# A school's teachers, listed by login.
Index("ix_accounts_teacher_unit", accounts.c.unit_code, accounts.c.login,
      postgresql_where=text("kind = 'teacher'"), sqlite_where=text("kind = 'teacher'"))

teacher_past_schools = Table(
    "teacher_past_schools", metadata,
    Column("id", _Serial, primary_key=True, autoincrement=True),
    Column("account_id", Uuid, ForeignKey("accounts.account_id"), nullable=False, index=True),
    Column("unit_code", String(32), nullable=False),
    Column("since", Date, nullable=True),
    Column("until", Date, nullable=False),
)

role_grants = Table(
    "role_grants", metadata,
    Column("grant_id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.account_id"), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("unit_code", String(32), ForeignKey("units.code"), nullable=True),
    Column("authority_code", String(16), ForeignKey("authorities.code"), nullable=True),
    Column("granted_at", DateTime(timezone=True), nullable=False),
    Column("granted_by", String(128), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("revoked_by", String(128), nullable=True),
    Column("version", Integer, nullable=False),
)

# The audit of the only way a national ID leaves the service: who, when, whose, why.
national_id_exports = Table(
    "national_id_exports", metadata,
    Column("id", _Serial, primary_key=True, autoincrement=True),
    Column("export_id", Uuid, nullable=False, index=True),
    Column("account_id", Uuid, ForeignKey("accounts.account_id"), nullable=False),
    Column("exported_by", String(128), nullable=False),
    Column("exported_at", DateTime(timezone=True), nullable=False),
    Column("reason", String(500), nullable=False),
)

# Numbers for generated logins (teacher00001 …), reserved a block at a time.
login_sequences = Table(
    "login_sequences", metadata,
    Column("name", String(32), primary_key=True),
    Column("next_value", BigInteger, nullable=False),
)

campaigns = Table(
    "campaigns", metadata,
    Column("campaign_id", String(32), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("deadline", DateTime(timezone=True), nullable=False),
    Column("reference", String(100), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(128), nullable=False),
)

campaign_authorities = Table(
    "campaign_authorities", metadata,
    Column("campaign_id", String(32), ForeignKey("campaigns.campaign_id"), primary_key=True),
    Column("authority_code", String(16), ForeignKey("authorities.code"), primary_key=True),
    Column("confirmed_at", DateTime(timezone=True), nullable=True),
    Column("confirmed_by", String(128), nullable=True),
    Column("note", String(500), nullable=True),
)

# Every teacher file and batch a county sent: who, when, which content (its SHA-256), how
# it ended ("applied", or "refused" with the problem's slug), the counts, and the report
# per row (JSON, zlib-compressed), so the sender can fetch it again later.
teacher_imports = Table(
    "teacher_imports", metadata,
    Column("import_id", Uuid, primary_key=True),
    Column("source", String(8), nullable=False),
    Column("filename", String(255), nullable=True),
    Column("content_sha256", String(64), nullable=True),
    Column("imported_by", String(128), nullable=False),
    Column("authority_code", String(16), ForeignKey("authorities.code"), nullable=True),
    Column("imported_at", DateTime(timezone=True), nullable=False, index=True),
    Column("outcome", String(16), nullable=False),
    Column("problem", String(64), nullable=True),
    Column("created", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("report", LargeBinary, nullable=True),
)
Index("ix_teacher_imports_authority", teacher_imports.c.authority_code,
      teacher_imports.c.imported_at)

# Every move of a teacher from a school of one authority to a school of another, whatever
# made it: the transfer itself (with its reason), a change by the network's staff, or a
# national import (with its id). Who, when, from which school to which, from when.
teacher_transfers = Table(
    "teacher_transfers", metadata,
    Column("transfer_id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.account_id"), nullable=False, index=True),
    Column("from_unit_code", String(32), nullable=True),
    Column("from_authority_code", String(16), nullable=True),
    Column("to_unit_code", String(32), nullable=False),
    Column("to_authority_code", String(16), nullable=True),
    Column("since", Date, nullable=False),
    Column("via", String(16), nullable=False),  # transfer, change or import
    Column("import_id", Uuid, nullable=True),
    Column("reason", String(500), nullable=True),
    Column("transferred_by", String(128), nullable=False),
    Column("transferred_at", DateTime(timezone=True), nullable=False),
)

# The audit of lookups by national ID: who, when, in which scope, how many IDs and how
# many found. Never the IDs, nor their hashes (a hash is as good as the ID to the holder
# of the key, and guessable by anyone who holds it).
national_id_lookups = Table(
    "national_id_lookups", metadata,
    Column("id", _Serial, primary_key=True, autoincrement=True),
    Column("looked_up_by", String(128), nullable=False),
    Column("looked_up_at", DateTime(timezone=True), nullable=False, index=True),
    Column("roles", String(128), nullable=False),
    Column("authority_code", String(16), nullable=True),
    Column("unit_code", String(32), nullable=True),
    Column("scope", String(16), nullable=False),  # national, authority, unit or none
    Column("ids_count", Integer, nullable=False),
    Column("found_count", Integer, nullable=False),
    Column("answered_in_full", Integer, nullable=False),
    Column("outcome", String(16), nullable=False),  # answered or over-quota
)
Index("ix_national_id_lookups_by", national_id_lookups.c.looked_up_by,
      national_id_lookups.c.looked_up_at)

# National IDs looked up per account on its current day (Taipei): one row per account,
# taken by a conditional UPDATE so that concurrent lookups never exceed the quota.
national_id_lookup_quotas = Table(
    "national_id_lookup_quotas", metadata,
    Column("account", String(128), primary_key=True),
    Column("day", Date, nullable=False),
    Column("used", Integer, nullable=False),
)

# The audit of the first-operator command (``create-operator``): who ran it, where, when,
# for which login, whether enabled operators existed already (``another``: the run was
# told ``--another``), and whether it made the account or was refused (no account then).
# A handful of rows in the platform's life; never tidied.
operator_bootstraps = Table(
    "operator_bootstraps", metadata,
    Column("id", _Serial, primary_key=True, autoincrement=True),
    Column("account_id", Uuid, ForeignKey("accounts.account_id"), nullable=True),
    Column("login", String(64), nullable=False),
    Column("run_by", String(128), nullable=False),  # --by, else the OS user
    Column("os_user", String(64), nullable=False),
    Column("host", String(255), nullable=False),
    Column("another", Boolean, nullable=False),
    Column("outcome", String(16), nullable=False),  # created, refused
    Column("created_at", DateTime(timezone=True), nullable=False),
)
