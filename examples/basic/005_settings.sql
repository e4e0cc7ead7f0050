-- Tenant configuration as typed key/value pairs, grouped into sections
-- (general, email, party, ...). Names are <section>.<key>.
CREATE TABLE settings (
  id         INT UNSIGNED NOT NULL AUTO_INCREMENT,
  name       VARCHAR(150) NOT NULL,
  value      TEXT         NULL,
  type       ENUM('string', 'int', 'bool', 'json') NOT NULL DEFAULT 'string',
  section    VARCHAR(64)  NOT NULL DEFAULT 'general',
  updated_at TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_settings_name (name),
  KEY idx_settings_section (section)
);
