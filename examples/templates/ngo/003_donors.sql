-- Institutions and people that fund the organisation.
CREATE TABLE donors (
  id         INT UNSIGNED NOT NULL AUTO_INCREMENT,
  name       VARCHAR(200) NOT NULL,
  kind       ENUM('individual', 'foundation', 'government', 'corporate', 'multilateral') NOT NULL,
  country    CHAR(2)      NOT NULL DEFAULT 'NP' COMMENT 'ISO 3166-1 alpha-2',
  email      VARCHAR(255) NULL,
  phone      VARCHAR(20)  NULL,
  created_at TIMESTAMP    NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_donors_name_country (name, country)
);
