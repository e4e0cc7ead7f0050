-- One row per apply attempt on a tenant.
CREATE TABLE apply_runs (
  id BIGINT NOT NULL AUTO_INCREMENT,
  tenant VARCHAR(128) NOT NULL,
  commit_sha VARCHAR(64) NOT NULL DEFAULT '',
  pr_number INT NULL,
  started_at DATETIME(6) NOT NULL,
  finished_at DATETIME(6) NULL,
  outcome VARCHAR(32) NOT NULL DEFAULT 'running',
  error TEXT NULL,
  PRIMARY KEY (id),
  KEY apply_runs_tenant (tenant, id)
) ENGINE=InnoDB;

-- Every statement of a run, recorded as it runs: DDL is not transactional,
-- so this is what tells what a failed run left behind.
CREATE TABLE apply_statements (
  id BIGINT NOT NULL AUTO_INCREMENT,
  run_id BIGINT NOT NULL,
  seq INT NOT NULL,
  sql_text MEDIUMTEXT NOT NULL,
  kind VARCHAR(32) NOT NULL DEFAULT '',
  outcome VARCHAR(16) NOT NULL,
  error TEXT NULL,
  duration_ms BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  KEY apply_statements_run (run_id, seq),
  CONSTRAINT apply_statements_run_fk FOREIGN KEY (run_id) REFERENCES apply_runs (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- The live schema after each successful apply; drift detection compares with it.
CREATE TABLE snapshots (
  id BIGINT NOT NULL AUTO_INCREMENT,
  tenant VARCHAR(128) NOT NULL,
  run_id BIGINT NULL,
  commit_sha VARCHAR(64) NOT NULL DEFAULT '',
  taken_at DATETIME(6) NOT NULL,
  schema_hash VARCHAR(64) NOT NULL,
  table_count INT NOT NULL,
  index_count INT NOT NULL,
  fk_count INT NOT NULL,
  schema_ddl MEDIUMTEXT NOT NULL,
  PRIMARY KEY (id),
  KEY snapshots_tenant (tenant, id)
) ENGINE=InnoDB;

-- Seed files run on a tenant: each runs once, recorded with its checksum.
CREATE TABLE seed_runs (
  tenant VARCHAR(128) NOT NULL,
  path VARCHAR(255) NOT NULL,
  layer VARCHAR(191) NOT NULL,
  checksum VARCHAR(64) NOT NULL,
  statements INT NOT NULL,
  run_id BIGINT NULL,
  ran_at DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant, path)
) ENGINE=InnoDB;

-- Differences found between a tenant's live schema and its desired schema or
-- last snapshot.
CREATE TABLE drift_reports (
  id BIGINT NOT NULL AUTO_INCREMENT,
  tenant VARCHAR(128) NOT NULL,
  detected_at DATETIME(6) NOT NULL,
  severity VARCHAR(16) NOT NULL,
  object VARCHAR(255) NOT NULL,
  detail TEXT NULL,
  resolved_at DATETIME(6) NULL,
  PRIMARY KEY (id),
  KEY drift_reports_tenant (tenant, id)
) ENGINE=InnoDB;
