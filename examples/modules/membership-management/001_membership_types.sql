-- Kinds of membership with their fee. duration_months NULL means lifetime.
CREATE TABLE membership_types (
  id              SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT,
  code            VARCHAR(32)       NOT NULL,
  name            VARCHAR(100)      NOT NULL,
  annual_fee      DECIMAL(10, 2)    NOT NULL DEFAULT 0.00,
  duration_months SMALLINT UNSIGNED NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_membership_types_code (code)
);
