"""Enrolment under the rush (R-CRS-4): each course's seat counter and arrival counter,
every attempt with its arrival number and outcome, the one-session-per-series holds, the
lottery draws, and the queue of mails that tell teachers what happened.

Revision ID: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "course_seats",
        sa.Column("course_id", sa.String(36), sa.ForeignKey("courses.course_id"),
                  primary_key=True),
        sa.Column("enrolled", sa.Integer, nullable=False),
        sa.Column("waitlisted", sa.Integer, nullable=False),
        sa.Column("arrivals", sa.BigInteger, nullable=False),
        sa.Column("last_outcome", sa.String(16), nullable=True),
        sa.CheckConstraint("enrolled >= 0 AND waitlisted >= 0", name="seats_not_negative"),
    )
    op.create_table(
        "enrolment_attempts",
        sa.Column("attempt_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                  primary_key=True, autoincrement=True),
        sa.Column("course_id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("arrival", sa.BigInteger, nullable=False),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("enrolment_id", sa.String(36), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("course_id", "arrival", name="uq_enrolment_attempts_course_arrival"),
    )
    op.create_index("ix_enrolment_attempts_course_account", "enrolment_attempts",
                    ["course_id", "account_id"])
    op.create_table(
        "series_holds",
        sa.Column("series_id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(36), primary_key=True),
        sa.Column("course_id", sa.String(36), nullable=False),
    )
    op.create_table(
        "lotteries",
        sa.Column("course_id", sa.String(36), sa.ForeignKey("courses.course_id"),
                  primary_key=True),
        sa.Column("seed_sha256", sa.String(64), nullable=False),
        sa.Column("seed", sa.String(64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applicants", sa.Integer, nullable=True),
        sa.Column("winners", sa.Integer, nullable=True),
    )
    op.create_table(
        "enrolment_mails",
        sa.Column("mail_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("enrolment_id", sa.String(36), nullable=False),
        sa.Column("course_id", sa.String(36), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("tried_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
    )
    op.create_index("ix_enrolment_mails_waiting", "enrolment_mails", ["done_at", "mail_id"])


def downgrade() -> None:
    op.drop_table("enrolment_mails")
    op.drop_table("lotteries")
    op.drop_table("series_holds")
    op.drop_table("enrolment_attempts")
    op.drop_table("course_seats")
