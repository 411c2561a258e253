"""A unit's share under an authority (``authority_unit`` figures) is kept only for units
with a jurisdiction history; for every other unit it equals the unit's own figures, which
the reports now read instead (``domain/figures.share_member``). Those copies go: about a
quarter of the figure rows, and of what the consumer writes a fact (docs/performance.md,
"stats"). Downgrading writes them back from the units' own figures.

Revision ID: 0005
"""
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    unit_of_member = ("split_part(member, '|', 2)" if op.get_bind().dialect.name == "postgresql"
                      else "substr(member, instr(member, '|') + 1)")
    op.execute(f"""
        DELETE FROM figures
        WHERE dimension = 'authority_unit'
          AND {unit_of_member} NOT IN (SELECT unit_code FROM jurisdiction_changes)""")


def downgrade() -> None:
    op.execute("""
        INSERT INTO figures (measure, dimension, period, starts_on, member, value)
        SELECT f.measure, 'authority_unit', f.period, f.starts_on,
               u.authority_code || '|' || f.member, f.value
        FROM figures f JOIN units u ON u.unit_code = f.member
        WHERE f.dimension = 'unit'
          AND u.unit_code NOT IN (SELECT unit_code FROM jurisdiction_changes)""")
