"""Review of digital-material and distance courses (R-CRS-14): the cases teacher-education
universities submit, each round's fields and result, the three reviewers of a round with
their scores, and the files of a case.

Revision ID: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    op.create_table(
        "material_cases",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("unit_code", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_material_cases_unit_code", "material_cases", ["unit_code"])
    op.create_index("ix_material_cases_status", "material_cases", ["status"])
    op.create_table(
        "material_rounds",
        sa.Column("case_id", sa.String(36), sa.ForeignKey("material_cases.case_id"),
                  primary_key=True),
        sa.Column("round", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("hours", sa.Numeric(5, 1), nullable=False),
        sa.Column("subject_area", sa.String(100), nullable=False),
        sa.Column("links", sa.JSON, nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.String(16), nullable=True),
        sa.Column("mean", sa.Numeric(5, 2), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_on", sa.Date, nullable=True),
    )
    op.create_table(
        "material_assignments",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("round", sa.Integer, primary_key=True),
        sa.Column("role", sa.String(16), primary_key=True),
        sa.Column("reviewer_id", sa.String(64), nullable=False),
        sa.Column("assigned_by", sa.String(64), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Integer, nullable=True),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("case_id", "round", "reviewer_id",
                            name="uq_material_assignments_reviewer"),
        sa.CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)",
                           name="ck_material_assignments_score_range"),
    )
    op.create_index("ix_material_assignments_reviewer_id", "material_assignments",
                    ["reviewer_id"])
    op.create_table(
        "material_attachments",
        sa.Column("attachment_id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("material_cases.case_id"),
                  nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(200), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_material_attachments_case_id", "material_attachments", ["case_id"])


def downgrade() -> None:
    op.drop_table("material_attachments")
    op.drop_table("material_assignments")
    op.drop_table("material_rounds")
    op.drop_table("material_cases")
