-- People who sign in to the application of the tenant. Every later layer may
-- point at users (created_by, managed_by, ...).
CREATE TABLE users (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  uuid          CHAR(36)        NOT NULL,
  email         VARCHAR(255)    NOT NULL,
  name          VARCHAR(150)    NOT NULL,
  phone         VARCHAR(20)     NULL,
  password_hash VARCHAR(255)    NULL COMMENT 'NULL until the invitation is accepted',
  status        ENUM('invited', 'active', 'disabled') NOT NULL DEFAULT 'invited',
  locale        VARCHAR(10)     NOT NULL DEFAULT 'en',
  last_login_at DATETIME        NULL,
  created_at    TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at    TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_users_uuid (uuid),
  UNIQUE KEY uq_users_email (email),
  KEY idx_users_status (status)
);
