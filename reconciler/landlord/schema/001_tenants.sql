-- The landlord's own schema. strata composes and plans it like a tenant layer
-- and applies it at startup; changes must be additive (new tables, columns,
-- indexes): a destructive change here is refused.

-- One row per tenant strata has seen: what is, next to what Git says should be.
CREATE TABLE tenants (
  name VARCHAR(128) NOT NULL,
  database_name VARCHAR(64) NOT NULL,
  server VARCHAR(128) NOT NULL,
  status VARCHAR(32) NOT NULL,
  template VARCHAR(128) NOT NULL DEFAULT '',
  template_version VARCHAR(64) NOT NULL DEFAULT '',
  modules TEXT NOT NULL,
  desired_hash VARCHAR(64) NOT NULL DEFAULT '',
  live_hash VARCHAR(64) NOT NULL DEFAULT '',
  last_applied_commit VARCHAR(64) NOT NULL DEFAULT '',
  last_attempted_commit VARCHAR(64) NOT NULL DEFAULT '',
  last_error TEXT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  last_applied_at DATETIME(6) NULL,
  PRIMARY KEY (name),
  KEY tenants_status (status)
) ENGINE=InnoDB;

-- Encrypted passwords of each tenant's app and migrator users.
CREATE TABLE credentials (
  tenant VARCHAR(128) NOT NULL,
  role VARCHAR(16) NOT NULL,
  user_name VARCHAR(80) NOT NULL,
  sealed TEXT NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  PRIMARY KEY (tenant, role)
) ENGINE=InnoDB;
