-- Once PostgreSQL schema, migration 001: the query table and the migration record.
--
-- Every migration file is idempotent: applying it again changes nothing, so a silo may apply the
-- whole set at every start. Files contain no BEGIN/COMMIT: the runner (apply.sh or
-- Once.Hosting.Postgres.PostgresSchema) wraps each file in one transaction.

-- The Orleans ADO.NET providers read their SQL from this table with a hard-coded, unquoted
-- "SELECT QueryKey, QueryText FROM OrleansQuery", which PostgreSQL folds to lower case. So the table
-- and its columns must be lower-case and unquoted; the keys themselves are matched case-sensitively.
CREATE TABLE IF NOT EXISTS orleansquery (
    querykey  text PRIMARY KEY,
    querytext text NOT NULL
);

-- One row per migration that ran at least once, kept for operators and startup logs. The files are
-- idempotent, so this record is informational and never decides whether a file runs.
CREATE TABLE IF NOT EXISTS once_schema_version (
    migration  text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO once_schema_version (migration) VALUES ('001_query_table') ON CONFLICT (migration) DO NOTHING;
