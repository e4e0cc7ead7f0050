-- A post, drafted, scheduled, then published (external_id from the platform).
CREATE TABLE social_posts (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  account_id   INT UNSIGNED    NOT NULL,
  body         TEXT            NOT NULL,
  media_url    VARCHAR(500)    NULL,
  status       ENUM('draft', 'scheduled', 'published', 'failed') NOT NULL DEFAULT 'draft',
  scheduled_at DATETIME        NULL,
  published_at DATETIME        NULL,
  external_id  VARCHAR(100)    NULL,
  created_by   BIGINT UNSIGNED NULL,
  created_at   TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY idx_social_posts_status_scheduled (status, scheduled_at),
  UNIQUE KEY uq_social_posts_external (account_id, external_id),
  CONSTRAINT fk_social_posts_account FOREIGN KEY (account_id) REFERENCES social_accounts (id) ON DELETE CASCADE,
  CONSTRAINT fk_social_posts_created_by FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE SET NULL
);
