"""Fewer figure rows and index entries a fact, for the consumer's apply rate
(docs/performance.md, "stats"):

- A unit's share under an authority (``authority_unit`` figures) is kept only for units
  with a jurisdiction history; for every other unit it equals the unit's own figures, which
  the reports now read instead (``domain/figures.share_member``). Those copies go: about a
  quarter of the figure rows. Downgrading writes them back from the units' own figures.
- The primary key is in the order a series reads (member, then day), and the index tables
  read (by month, then member) holds the month rows only: a day row, most of the rows, has
  one index entry instead of two.

Revision ID: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"

SERIES_ORDER = ["measure", "dimension", "period", "member", "starts_on"]
DAY_FIRST_ORDER = ["measure", "dimension", "period", "starts_on", "member"]
MONTHS_ONLY = sa.text("period = 'month'")


def upgrade() -> None:
    unit_of_member = ("split_part(member, '|', 2)" if op.get_bind().dialect.name == "postgresql"
                      else "substr(member, instr(member, '|') + 1)")
    op.execute(f"""
        DELETE FROM figures
        WHERE dimension = 'authority_unit'
          AND {unit_of_member} NOT IN (SELECT unit_code FROM jurisdiction_changes)""")
    op.drop_index("ix_figures_series", "figures")
    with op.batch_alter_table("figures") as batch:
        batch.drop_constraint("pk_figures", type_="primary")
        batch.create_primary_key("pk_figures", SERIES_ORDER)
    op.create_index("ix_figures_months", "figures",
                    ["measure", "dimension", "starts_on", "member"],
                    postgresql_where=MONTHS_ONLY, sqlite_where=MONTHS_ONLY)


def downgrade() -> None:
    op.drop_index("ix_figures_months", "figures")
    with op.batch_alter_table("figures") as batch:
        batch.drop_constraint("pk_figures", type_="primary")
        batch.create_primary_key("pk_figures", DAY_FIRST_ORDER)
    op.create_index("ix_figures_series", "figures", SERIES_ORDER)
    op.execute("""
        INSERT INTO figures (measure, dimension, period, starts_on, member, value)
        SELECT f.measure, 'authority_unit', f.period, f.starts_on,
               u.authority_code || '|' || f.member, f.value
        FROM figures f JOIN units u ON u.unit_code = f.member
        WHERE f.dimension = 'unit'
          AND u.unit_code NOT IN (SELECT unit_code FROM jurisdiction_changes)""")
