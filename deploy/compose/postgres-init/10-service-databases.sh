#!/usr/bin/env bash
# One login role and one database per service, each database owned by its role, so a
# service can reach only its own data. The names come from SERVICE_DATABASES, the
# passwords from <NAME>_DB_PASSWORD (e.g. COURSES_DB_PASSWORD); nothing has a default.
#
# The postgres image runs this once, when the data directory is still empty. To add a
# database to an existing volume, run the same statements by hand or recreate the volume.
set -eo pipefail

: "${SERVICE_DATABASES:?SERVICE_DATABASES must list the service databases}"

for name in ${SERVICE_DATABASES}; do
    if [[ ! "${name}" =~ ^[a-z][a-z0-9_]*$ ]]; then
        echo "postgres-init: '${name}' is not a valid database name" >&2
        exit 1
    fi
    password_var="${name^^}_DB_PASSWORD"
    password="${!password_var}"
    if [[ -z "${password}" ]]; then
        echo "postgres-init: ${password_var} must be set" >&2
        exit 1
    fi
    echo "postgres-init: role and database '${name}'"
    # psql quotes :"name" as an identifier and :'password' as a literal.
    psql --no-password -v ON_ERROR_STOP=1 \
         --username "${POSTGRES_USER:-postgres}" --dbname postgres \
         --set name="${name}" --set password="${password}" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
done
