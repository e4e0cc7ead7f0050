-- An account on a platform. The access token lives in the secret store of
-- the application: only its reference is kept here.
CREATE TABLE social_accounts (
  id           INT UNSIGNED    NOT NULL AUTO_INCREMENT,
  platform     ENUM('facebook', 'x', 'instagram', 'tiktok', 'youtube') NOT NULL,
  handle       VARCHAR(100)    NOT NULL,
  url          VARCHAR(255)    NULL,
  token_ref    VARCHAR(128)    NULL,
  managed_by   BIGINT UNSIGNED NULL,
  connected_at TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_social_accounts_platform_handle (platform, handle),
  CONSTRAINT fk_social_accounts_managed_by FOREIGN KEY (managed_by) REFERENCES users (id) ON DELETE SET NULL
);
