-- Who changed what, from where. Rows are only ever inserted.
CREATE TABLE audit_logs (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id      BIGINT UNSIGNED NULL,
  event        VARCHAR(100)    NOT NULL COMMENT 'e.g. member.created, role.assigned',
  subject_type VARCHAR(100)    NULL,
  subject_id   BIGINT UNSIGNED NULL,
  old_values   JSON            NULL,
  new_values   JSON            NULL,
  ip_address   VARCHAR(45)     NULL COMMENT 'long enough for IPv6',
  user_agent   VARCHAR(512)    NULL,
  created_at   TIMESTAMP       NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY idx_audit_logs_user_event (user_id, event),
  KEY idx_audit_logs_subject (subject_type, subject_id),
  KEY idx_audit_logs_created_at (created_at),
  CONSTRAINT fk_audit_logs_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL
);
