-- An election the party takes part in.
CREATE TABLE elections (
  id           INT UNSIGNED NOT NULL AUTO_INCREMENT,
  name         VARCHAR(150) NOT NULL,
  level        ENUM('federal', 'provincial', 'local', 'by-election') NOT NULL,
  polling_date DATE         NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_elections_level_date (level, polling_date)
);
